using Akd.Contracts.V1;
using Akd.Coordinator.Replicas;
using Akd.Coordinator.Storage;
using Akd.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>Replica heartbeats and what start-up recovery takes, on each real store.</summary>
[Collection(StoreCollection.Name)]
public sealed class ReplicaStoreTests(PostgresCluster cluster)
{
    private static readonly TimeSpan LiveFor = new CoordinatorOptions().ReplicaTimeout;

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ListLive_OneHeartbeatAgedOut_OnlyTheRecentOneListedAndALeaverGone(string engine)
    {
        // Arrange: a beats, then nothing for longer than the timeout while b and c beat.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var replicas = new ReplicaStore(db.Database, clock);
        await replicas.BeatAsync("a", CancellationToken.None);
        clock.Advance(LiveFor + TimeSpan.FromSeconds(1));
        await replicas.BeatAsync("b", CancellationToken.None);
        await replicas.BeatAsync("c", CancellationToken.None);
        await replicas.BeatAsync("c", CancellationToken.None);

        // Act
        var live = await replicas.ListLiveAsync(clock.GetUtcNow() - LiveFor, CancellationToken.None);
        await replicas.LeaveAsync("c", CancellationToken.None);
        var afterLeave = await replicas.ListLiveAsync(clock.GetUtcNow() - LiveFor, CancellationToken.None);

        // Assert
        Assert.Equal(["b", "c"], live);
        Assert.Equal(["b"], afterLeave);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ClaimUnfinished_OwnLiveAndDeadReplicas_OwnAndDeadOnesTakenOnce(string engine)
    {
        // Arrange: a restarts, b is alive, c is dead; each drove one unfinished deployment, and c also a finished one.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var (a, b, c) = (StoreOf(db, "a"), StoreOf(db, "b"), StoreOf(db, "c"));
        await db.Replicas.BeatAsync("a", CancellationToken.None);
        await db.Replicas.BeatAsync("b", CancellationToken.None);
        await a.CreateAsync(TempDatabase.NewDeployment("d-a"), "app: hello", CancellationToken.None);
        await b.CreateAsync(TempDatabase.NewDeployment("d-b"), "app: hello", CancellationToken.None);
        await c.CreateAsync(TempDatabase.NewDeployment("d-c"), "app: hello", CancellationToken.None);
        await c.CreateAsync(TempDatabase.NewDeployment("d-done"), "app: hello", CancellationToken.None);
        await c.SetStateAsync("d-done", DeploymentState.Succeeded, "", finished: true, CancellationToken.None);
        var since = DateTimeOffset.UtcNow - LiveFor;

        // Act: a takes its own and the dead replica's; b then finds only its own, d-c being a's now.
        var claimedByA = await a.ClaimUnfinishedAsync(since, CancellationToken.None);
        var claimedByB = await b.ClaimUnfinishedAsync(since, CancellationToken.None);

        // Assert
        Assert.Equal(["d-a", "d-c"], claimedByA.Order(StringComparer.Ordinal));
        Assert.Equal(["d-b"], claimedByB);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ClaimUnfinished_OneReplicaNeverBeat_EveryUnfinishedDeployment(string engine)
    {
        // Arrange: the embedded store's one replica, as before replicas existed.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Deployments.CreateAsync(TempDatabase.NewDeployment("d-1"), "app: hello", CancellationToken.None);
        await db.Deployments.CreateAsync(TempDatabase.NewDeployment("d-2"), "app: hello", CancellationToken.None);

        // Act
        var claimed = await db.Deployments.ClaimUnfinishedAsync(DateTimeOffset.UtcNow - LiveFor, CancellationToken.None);

        // Assert
        Assert.Equal(["d-1", "d-2"], claimed.Order(StringComparer.Ordinal));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ClaimOrphaned_TwoLiveReplicasLook_OnlyTheDeadOnesDeploymentTakenAndByOne(string engine)
    {
        // Arrange: a and b are alive; c died driving d-c; a's own d-a is not orphaned.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var (a, b, c) = (StoreOf(db, "a"), StoreOf(db, "b"), StoreOf(db, "c"));
        await db.Replicas.BeatAsync("a", CancellationToken.None);
        await db.Replicas.BeatAsync("b", CancellationToken.None);
        await a.CreateAsync(TempDatabase.NewDeployment("d-a"), "app: hello", CancellationToken.None);
        await c.CreateAsync(TempDatabase.NewDeployment("d-c"), "app: hello", CancellationToken.None);
        var since = DateTimeOffset.UtcNow - LiveFor;

        // Act: both look at once.
        var claims = await Task.WhenAll(a.ClaimOrphanedAsync(since, CancellationToken.None), b.ClaimOrphanedAsync(since, CancellationToken.None));

        // Assert
        Assert.Equal(["d-c"], claims.SelectMany(ids => ids));
    }

    private static DeploymentStore StoreOf(TempDatabase db, string id) => new(db.Database, TimeProvider.System, new ReplicaIdentity(id));
}
