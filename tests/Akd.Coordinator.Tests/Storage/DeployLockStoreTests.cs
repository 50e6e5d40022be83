using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class DeployLockStoreTests(PostgresCluster cluster)
{

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task TryAcquire_Free_TakesTheLock(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var first = TempDatabase.NewDeployment("d-1");

        // Act
        var holder = await AcquireAsync(db, first);

        // Assert
        Assert.Null(holder);
        var held = await db.Locks.GetAsync("hello", "", CancellationToken.None);
        Assert.Equal("d-1", held?.DeploymentId);
        Assert.Equal("alice@box", held?.Actor);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task TryAcquire_HeldByRunningDeployment_ReturnsHolderWithActorAndSince(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var first = TempDatabase.NewDeployment("d-1", actor: "alice@box");
        await AcquireAsync(db, first);

        // Act
        var holder = await AcquireAsync(db, TempDatabase.NewDeployment("d-2", actor: "bob@ci"));

        // Assert
        Assert.NotNull(holder);
        Assert.Equal("d-1", holder.DeploymentId);
        Assert.Equal("alice@box", holder.Actor);
        Assert.Equal(DeploymentKind.Deploy, holder.Kind);
        Assert.Equal(first.CreatedAt.ToDateTimeOffset(), holder.Since, TimeSpan.FromMilliseconds(1));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task TryAcquire_OtherEnvironmentOrApp_IsIndependent(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await AcquireAsync(db, TempDatabase.NewDeployment("d-1", environment: "staging"));

        // Act
        var production = await AcquireAsync(db, TempDatabase.NewDeployment("d-2", environment: "production"));
        var otherApp = await AcquireAsync(db, TempDatabase.NewDeployment("d-3", app: "shop", environment: "staging"));

        // Assert
        Assert.Null(production);
        Assert.Null(otherApp);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task SetState_Finished_ReleasesTheLockSoTheNextOneGetsIt(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await AcquireAsync(db, TempDatabase.NewDeployment("d-1"));

        // Act
        await db.Deployments.SetStateAsync("d-1", DeploymentState.Failed, "boom", finished: true, CancellationToken.None);
        var next = await AcquireAsync(db, TempDatabase.NewDeployment("d-2"));

        // Assert
        Assert.Null(next);
        Assert.Equal("d-2", (await db.Locks.GetAsync("hello", "", CancellationToken.None))?.DeploymentId);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task TryAcquire_HolderFinishedWithoutReleasing_TakesOverTheStaleLock(string engine)
    {
        // Arrange: a lock row left behind by a deployment that is over (as after a crash).
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var old = TempDatabase.NewDeployment("d-1");
        await AcquireAsync(db, old);
        await db.Deployments.SetStateAsync("d-1", DeploymentState.Failed, "crash", finished: true, CancellationToken.None);
        Assert.Null(await db.Locks.TryAcquireAsync(TempDatabase.LockFor(old), CancellationToken.None));

        // Act
        var holder = await AcquireAsync(db, TempDatabase.NewDeployment("d-2"));

        // Assert
        Assert.Null(holder);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task TryAcquire_HolderNotStoredYet_RefusedWithinTheGraceTakenOverAfter(string engine)
    {
        // Arrange: d-1's coordinator took the lock and has not stored d-1 (yet, or ever: it died in between).
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var grace = new CoordinatorOptions().DeployLockClaimGrace;
        var young = TempDatabase.NewDeployment("d-1");
        await db.Locks.TryAcquireAsync(TempDatabase.LockFor(young), CancellationToken.None);
        var orphan = TempDatabase.NewDeployment("d-2", environment: "staging");
        orphan.CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - grace - TimeSpan.FromSeconds(5));
        await db.Locks.TryAcquireAsync(TempDatabase.LockFor(orphan), CancellationToken.None);

        // Act
        var refused = await db.Locks.TryAcquireAsync(TempDatabase.LockFor(TempDatabase.NewDeployment("d-3")), CancellationToken.None);
        var takenOver = await db.Locks.TryAcquireAsync(TempDatabase.LockFor(TempDatabase.NewDeployment("d-4", environment: "staging")), CancellationToken.None);

        // Assert
        Assert.Equal("d-1", refused?.DeploymentId);
        Assert.Null(takenOver);
        Assert.Equal("d-4", (await db.Locks.GetAsync("hello", "staging", CancellationToken.None))?.DeploymentId);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ReleaseStale_AfterRestart_DropsLocksOfFinishedDeploymentsOnly(string engine)
    {
        // Arrange: d-1 finished but its lock row remained; d-2 still runs in another environment.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var finished = TempDatabase.NewDeployment("d-1");
        await db.Deployments.CreateAsync(finished, "app: hello", CancellationToken.None);
        await db.Deployments.SetStateAsync("d-1", DeploymentState.Failed, "restart", finished: true, CancellationToken.None);
        await db.Locks.TryAcquireAsync(TempDatabase.LockFor(finished), CancellationToken.None);
        await AcquireAsync(db, TempDatabase.NewDeployment("d-2", environment: "staging"));

        // Act
        var released = await db.Locks.ReleaseStaleAsync(CancellationToken.None);

        // Assert
        Assert.Equal(1, released);
        Assert.Null(await db.Locks.GetAsync("hello", "", CancellationToken.None));
        Assert.Equal("d-2", (await db.Locks.GetAsync("hello", "staging", CancellationToken.None))?.DeploymentId);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ReleaseStale_UnstoredLocks_OnlyThoseOlderThanTheClaimGraceDropped(string engine)
    {
        // Arrange: two locks whose deployments were never stored; the young one may be another replica's, storing it now.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var young = TempDatabase.LockFor(TempDatabase.NewDeployment("d-young", environment: "staging"));
        var old = TempDatabase.LockFor(TempDatabase.NewDeployment("d-old", environment: "production")) with
        {
            Since = DateTimeOffset.UtcNow - new CoordinatorOptions().DeployLockClaimGrace - TimeSpan.FromMinutes(1),
        };
        Assert.Null(await db.Locks.TryAcquireAsync(young, CancellationToken.None));
        Assert.Null(await db.Locks.TryAcquireAsync(old, CancellationToken.None));

        // Act
        var released = await db.Locks.ReleaseStaleAsync(CancellationToken.None);

        // Assert
        Assert.Equal(1, released);
        Assert.Equal("d-young", (await db.Locks.GetAsync("hello", "staging", CancellationToken.None))?.DeploymentId);
        Assert.Null(await db.Locks.GetAsync("hello", "production", CancellationToken.None));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Release_ByDeploymentId_FreesTheLock(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await AcquireAsync(db, TempDatabase.NewDeployment("d-1"));

        // Act
        await db.Locks.ReleaseAsync("d-1", CancellationToken.None);

        // Assert
        Assert.Null(await db.Locks.GetAsync("hello", "", CancellationToken.None));
    }

    [SkippableTheory(Timeout = 60_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task TryAcquire_ManyCallersAtOnce_ExactlyOneWins(string engine)
    {
        // Arrange: on PostgreSQL each caller has a store of its own, as coordinator replicas sharing one database do.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var callers = new List<DeployLockStore>();
        var owned = new List<Database>();
        for (var i = 0; i < 8; i++)
        {
            if (engine == StoreEngines.Postgres)
            {
                var replica = new PostgresDatabase(db.ConnectionString!);
                owned.Add(replica);
                callers.Add(new DeployLockStore(replica, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new CoordinatorOptions())));
            }
            else
            {
                callers.Add(db.Locks);
            }
        }

        try
        {
            // Act
            var results = await Task.WhenAll(callers.Select((store, i) =>
                Task.Run(() => store.TryAcquireAsync(TempDatabase.LockFor(TempDatabase.NewDeployment($"d-{i}")), CancellationToken.None))));

            // Assert
            Assert.Single(results, r => r is null);
            var winner = (await db.Locks.GetAsync("hello", "", CancellationToken.None))!.DeploymentId;
            Assert.All(results.Where(r => r is not null), holder => Assert.Equal(winner, holder!.DeploymentId));
        }
        finally
        {
            owned.ForEach(d => d.Dispose());
        }
    }

    /// <summary>As the scheduler does: take the lock, then store the deployment.</summary>
    private static async Task<DeployLock?> AcquireAsync(TempDatabase db, Akd.Contracts.V1.Deployment d)
    {
        var holder = await db.Locks.TryAcquireAsync(TempDatabase.LockFor(d), CancellationToken.None);
        if (holder is null)
        {
            await db.Deployments.CreateAsync(d, "app: hello", CancellationToken.None);
        }

        return holder;
    }
}
