using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Akd.Testing;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Deployments;

/// <summary>A deployment driven by one coordinator and watched on another, on one PostgreSQL database.</summary>
[Collection(StoreCollection.Name)]
public sealed class SharedStoreEventsTests(PostgresCluster cluster)
{
    private static readonly IOptions<CoordinatorOptions> FastPoll = Options.Create(new CoordinatorOptions { EventPollInterval = TimeSpan.FromMilliseconds(50) });

    [SkippableFact(Timeout = 60_000)]
    public async Task WatchAsync_DeploymentDrivenOnAnotherReplica_EveryEventInOrderUntilItEnds()
    {
        // Arrange: A drives the deployment; B's watcher follows it from the start, before any event exists.
        var store = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        await using var dropsTheDatabase = store;
        using var other = store.OtherCoordinator();
        var driver = new DeploymentEvents(store.Events, TimeProvider.System, FastPoll);
        var watcher = new DeploymentEvents(other.Events, TimeProvider.System, FastPoll);
        await store.Deployments.CreateAsync(TempDatabase.NewDeployment("d-1"), "app: hello", CancellationToken.None);
        var seen = new List<DeploymentEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in watcher.WatchAsync("d-1", 0, follow: true, alreadyFinished: false, CancellationToken.None))
            {
                seen.Add(e);
            }
        });

        // Act: events published on A only, some while B is waiting.
        await driver.PublishAsync(Event(EventKind.Deployment, "building"), CancellationToken.None);
        await driver.PublishAsync(Event(EventKind.Log, "", "compiling"), CancellationToken.None);
        await Task.Delay(200);
        await driver.PublishAsync(Event(EventKind.Step, "succeeded"), CancellationToken.None);
        await driver.PublishAsync(Event(EventKind.Deployment, "succeeded"), CancellationToken.None);
        await watching;

        // Assert: what the store holds, in seq order, ending with the terminal event.
        var stored = await store.Events.ReadAsync("d-1", 0, CancellationToken.None);
        Assert.Equal(4, seen.Count);
        Assert.Equal(stored.Select(e => e.Seq), seen.Select(e => e.Seq));
        Assert.Equal(["building", "", "succeeded", "succeeded"], seen.Select(e => e.StatusText()));
        Assert.Equal("compiling", seen[1].Message);
    }

    private static DeploymentEvent Event(EventKind kind, string state, string message = "") =>
        WithStatus(new() { DeploymentId = "d-1", Kind = kind, Message = message, Host = kind == EventKind.Deployment ? "" : "web-1" }, state);

    private static DeploymentEvent WithStatus(DeploymentEvent e, string state)
    {
        e.SetStatus(state);
        return e;
    }
}
