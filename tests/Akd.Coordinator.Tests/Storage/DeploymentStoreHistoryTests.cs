using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Storage;
using Akd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>History retention against each real store.</summary>
[Collection(StoreCollection.Name)]
public sealed class DeploymentStoreHistoryTests(PostgresCluster cluster)
{

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task DeleteHistoryBeforeAsync_EndedDeployments_DeletedWithEventsExceptLastSuccessPerAppAndEnvironment(string engine)
    {
        // Arrange: for hello: an older success, the last success, a later failure, and a deployment still
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        // running; billing's one success; each with an event.
        await AddAsync(db, "d-1-old-success", "hello", DeploymentState.Succeeded, minutesAgo: 50);
        await AddAsync(db, "d-2-last-success", "hello", DeploymentState.Succeeded, minutesAgo: 40);
        await AddAsync(db, "d-3-failed", "hello", DeploymentState.Failed, minutesAgo: 30);
        await AddAsync(db, "d-4-running", "hello", null, minutesAgo: 20);
        await AddAsync(db, "d-5-billing", "billing", DeploymentState.Succeeded, minutesAgo: 10);

        // Act: a cutoff after every one of them ended.
        var deleted = await db.Deployments.DeleteHistoryBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);

        // Assert
        Assert.Equal(2, deleted);
        Assert.Null(await db.Deployments.GetAsync("d-1-old-success", CancellationToken.None));
        Assert.Null(await db.Deployments.GetAsync("d-3-failed", CancellationToken.None));
        Assert.Empty(await db.Events.ReadAsync("d-1-old-success", 0, CancellationToken.None));
        Assert.Empty(await db.Events.ReadAsync("d-3-failed", 0, CancellationToken.None));
        foreach (var kept in new[] { "d-2-last-success", "d-4-running", "d-5-billing" })
        {
            Assert.NotNull(await db.Deployments.GetAsync(kept, CancellationToken.None));
            Assert.Single(await db.Events.ReadAsync(kept, 0, CancellationToken.None));
        }
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task SweepAsync_RecentlyEndedDeployments_Kept(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await AddAsync(db, "d-1", "hello", DeploymentState.Failed, minutesAgo: 5);
        var retention = new HistoryRetention(db.Deployments, Options.Create(new CoordinatorOptions { DataDir = db.Dir, HistoryRetention = TimeSpan.FromDays(1) }),
            TimeProvider.System, NullLogger<HistoryRetention>.Instance);

        // Act
        var deleted = await retention.SweepAsync(CancellationToken.None);

        // Assert
        Assert.Equal(0, deleted);
        Assert.NotNull(await db.Deployments.GetAsync("d-1", CancellationToken.None));
    }

    private static async Task AddAsync(TempDatabase db, string id, string app, DeploymentState? finalState, int minutesAgo)
    {
        var d = TempDatabase.NewDeployment(id, app: app);
        d.CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-minutesAgo));
        await db.Deployments.CreateAsync(d, "app: " + app, CancellationToken.None);
        await db.Deployments.SetHostStepAsync(id, "web-1", StepKind.Activate, StepState.Succeeded, "0.1.0-x", "", CancellationToken.None);
        await db.Events.AppendAsync(new DeploymentEvent { DeploymentId = id, Message = "started", At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) }, CancellationToken.None);
        if (finalState is { } state)
        {
            await db.Deployments.SetStateAsync(id, state, null, finished: true, CancellationToken.None);
        }
    }
}
