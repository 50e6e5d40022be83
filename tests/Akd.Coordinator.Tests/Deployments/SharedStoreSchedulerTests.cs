using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Tests.Storage;
using Akd.Testing;

namespace Akd.Coordinator.Tests.Deployments;

/// <summary>Two coordinators' deployment machinery on one PostgreSQL database, as replicas would share it.</summary>
[Collection(StoreCollection.Name)]
public sealed class SharedStoreSchedulerTests(PostgresCluster cluster)
{
    [SkippableFact(Timeout = 60_000)]
    public async Task StartAsync_SameAppRunningOnAnotherCoordinator_IsRefusedNamingTheHolderAndAdmittedOnceItEnds()
    {
        // Arrange: coordinator A runs a deployment whose build is in flight. Each coordinator sees the other's
        // agents in the shared agents table but not on its own streams (offline to it: routing commands across
        // replicas is not there yet), so both plans skip offline hosts.
        var store = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        await using var dropsTheDatabase = store;
        using var a = new CoordinatorHarness(store);
        using var b = new CoordinatorHarness(store.OtherCoordinator());
        var builderA = await a.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await a.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var builderB = await b.ConnectAsync("build-2", "role=build", CancellationToken.None);
        await b.ConnectAsync("web-2", "role=web", CancellationToken.None);
        var first = await a.Scheduler.StartAsync(await a.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None, skipOffline: true), CancellationToken.None);
        var build = await builderA.ReceiveStepAsync(CancellationToken.None);

        // Act
        var second = await b.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None, skipOffline: true);
        var locked = await Assert.ThrowsAsync<DeployLockedException>(() => b.Scheduler.StartAsync(second, CancellationToken.None));
        builderA.Answer(new StepResult { StepId = build.StepId, Ok = false, Error = "mix compile failed" });
        while (a.Scheduler.IsRunning(first))
        {
            await Task.Delay(10);
        }

        var third = await b.Scheduler.StartAsync(await b.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None, skipOffline: true), CancellationToken.None);

        // Assert
        Assert.Equal((first, "alice@box"), (locked.Holder.DeploymentId, locked.Holder.Actor));
        Assert.Null(await b.Deployments.GetAsync(second.Record.Id, CancellationToken.None));
        Assert.Equal(DeploymentState.Failed, (await b.GetAsync(first, CancellationToken.None)).State);
        Assert.True(b.Scheduler.IsRunning(third));
        Assert.Equal(CoordinatorMessage.BodyOneofCase.RunStep, (await builderB.ReceiveAsync(CancellationToken.None)).BodyCase);
    }
}
