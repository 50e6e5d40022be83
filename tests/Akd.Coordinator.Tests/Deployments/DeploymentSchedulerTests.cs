using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class DeploymentSchedulerTests
{
    [Fact(Timeout = 10_000)]
    public async Task StartAsync_SecondDeployWhileTheFirstRuns_IsRefusedNamingTheHolderAndAdmittedOnceItEnds()
    {
        // Arrange: a first deployment whose build is in flight.
        using var h = new CoordinatorHarness();
        var builder = await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var first = await h.Scheduler.StartAsync(await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None), CancellationToken.None);
        var build = await builder.ReceiveStepAsync(CancellationToken.None);

        // Act
        var second = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);
        var locked = await Assert.ThrowsAsync<DeployLockedException>(() => h.Scheduler.StartAsync(second, CancellationToken.None));
        builder.Answer(new StepResult { StepId = build.StepId, Ok = false, Error = "mix compile failed" });
        await WaitUntilAsync(() => !h.Scheduler.IsRunning(first));
        var third = await h.Scheduler.StartAsync(await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None), CancellationToken.None);

        // Assert
        Assert.Equal(first, locked.Holder.DeploymentId);
        Assert.Null(await h.Deployments.GetAsync(second.Record.Id, CancellationToken.None));
        Assert.Equal(DeploymentState.Failed, (await h.GetAsync(first, CancellationToken.None)).State);
        Assert.True(h.Scheduler.IsRunning(third));
        Assert.NotEqual(build.StepId, (await builder.ReceiveStepAsync(CancellationToken.None)).StepId);
        Assert.Equal([build.StepId], builder.Acknowledged);
    }

    [Fact(Timeout = 10_000)]
    public async Task CancelAsync_RunningDeployment_RecordsWhoAndEndsIt()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        var builder = await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var id = await h.Scheduler.StartAsync(await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None), CancellationToken.None);
        await builder.ReceiveStepAsync(CancellationToken.None);

        // Act
        var cancelled = await h.Scheduler.CancelAsync(id, "bob@laptop", CancellationToken.None);
        await WaitUntilAsync(() => !h.Scheduler.IsRunning(id));
        var unknown = await h.Scheduler.CancelAsync("d-no-such", "bob@laptop", CancellationToken.None);

        // Assert
        Assert.True(cancelled);
        Assert.False(unknown);
        var d = await h.GetAsync(id, CancellationToken.None);
        Assert.Equal((DeploymentState.Cancelled, "bob@laptop"), (d.State, d.CancelledBy));
    }

    /// <summary>The scheduler runs deployments in the background; the test's timeout bounds the wait.</summary>
    private static async Task WaitUntilAsync(Func<bool> done)
    {
        while (!done())
        {
            await Task.Delay(10);
        }
    }
}
