namespace Akd.Coordinator.Tests.Storage;

public sealed class DeployLockStoreTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact(Timeout = 10_000)]
    public async Task TryAcquire_Free_TakesTheLock()
    {
        // Arrange
        var first = TempDatabase.NewDeployment("d-1");

        // Act
        var holder = await AcquireAsync(first);

        // Assert
        Assert.Null(holder);
        var held = await _db.Locks.GetAsync("hello", "", CancellationToken.None);
        Assert.Equal("d-1", held?.DeploymentId);
        Assert.Equal("alice@box", held?.Actor);
    }

    [Fact(Timeout = 10_000)]
    public async Task TryAcquire_HeldByRunningDeployment_ReturnsHolderWithActorAndSince()
    {
        // Arrange
        var first = TempDatabase.NewDeployment("d-1", actor: "alice@box");
        await AcquireAsync(first);

        // Act
        var holder = await AcquireAsync(TempDatabase.NewDeployment("d-2", actor: "bob@ci"));

        // Assert
        Assert.NotNull(holder);
        Assert.Equal("d-1", holder.DeploymentId);
        Assert.Equal("alice@box", holder.Actor);
        Assert.Equal("deploy", holder.Kind);
        Assert.Equal(first.CreatedAt.ToDateTimeOffset(), holder.Since, TimeSpan.FromMilliseconds(1));
    }

    [Fact(Timeout = 10_000)]
    public async Task TryAcquire_OtherEnvironmentOrApp_IsIndependent()
    {
        // Arrange
        await AcquireAsync(TempDatabase.NewDeployment("d-1", environment: "staging"));

        // Act
        var production = await AcquireAsync(TempDatabase.NewDeployment("d-2", environment: "production"));
        var otherApp = await AcquireAsync(TempDatabase.NewDeployment("d-3", app: "shop", environment: "staging"));

        // Assert
        Assert.Null(production);
        Assert.Null(otherApp);
    }

    [Fact(Timeout = 10_000)]
    public async Task SetState_Finished_ReleasesTheLockSoTheNextOneGetsIt()
    {
        // Arrange
        await AcquireAsync(TempDatabase.NewDeployment("d-1"));

        // Act
        await _db.Deployments.SetStateAsync("d-1", "failed", "boom", finished: true, CancellationToken.None);
        var next = await AcquireAsync(TempDatabase.NewDeployment("d-2"));

        // Assert
        Assert.Null(next);
        Assert.Equal("d-2", (await _db.Locks.GetAsync("hello", "", CancellationToken.None))?.DeploymentId);
    }

    [Fact(Timeout = 10_000)]
    public async Task TryAcquire_HolderFinishedWithoutReleasing_TakesOverTheStaleLock()
    {
        // Arrange: a lock row left behind by a deployment that is over (as after a crash).
        var old = TempDatabase.NewDeployment("d-1");
        await AcquireAsync(old);
        await _db.Deployments.SetStateAsync("d-1", "failed", "crash", finished: true, CancellationToken.None);
        Assert.Null(await _db.Locks.TryAcquireAsync(TempDatabase.LockFor(old), CancellationToken.None));

        // Act
        var holder = await AcquireAsync(TempDatabase.NewDeployment("d-2"));

        // Assert
        Assert.Null(holder);
    }

    [Fact(Timeout = 10_000)]
    public async Task ReleaseStale_AfterRestart_DropsLocksOfFinishedDeploymentsOnly()
    {
        // Arrange: d-1 finished but its lock row remained; d-2 still runs in another environment.
        var finished = TempDatabase.NewDeployment("d-1");
        await _db.Deployments.CreateAsync(finished, "app: hello", CancellationToken.None);
        await _db.Deployments.SetStateAsync("d-1", "failed", "restart", finished: true, CancellationToken.None);
        await _db.Locks.TryAcquireAsync(TempDatabase.LockFor(finished), CancellationToken.None);
        await AcquireAsync(TempDatabase.NewDeployment("d-2", environment: "staging"));

        // Act
        var released = await _db.Locks.ReleaseStaleAsync(CancellationToken.None);

        // Assert
        Assert.Equal(1, released);
        Assert.Null(await _db.Locks.GetAsync("hello", "", CancellationToken.None));
        Assert.Equal("d-2", (await _db.Locks.GetAsync("hello", "staging", CancellationToken.None))?.DeploymentId);
    }

    [Fact(Timeout = 10_000)]
    public async Task Release_ByDeploymentId_FreesTheLock()
    {
        // Arrange
        await AcquireAsync(TempDatabase.NewDeployment("d-1"));

        // Act
        await _db.Locks.ReleaseAsync("d-1", CancellationToken.None);

        // Assert
        Assert.Null(await _db.Locks.GetAsync("hello", "", CancellationToken.None));
    }

    /// <summary>As the scheduler does: take the lock, then store the deployment.</summary>
    private async Task<Akd.Coordinator.Storage.DeployLock?> AcquireAsync(Akd.Contracts.V1.Deployment d)
    {
        var holder = await _db.Locks.TryAcquireAsync(TempDatabase.LockFor(d), CancellationToken.None);
        if (holder is null)
        {
            await _db.Deployments.CreateAsync(d, "app: hello", CancellationToken.None);
        }

        return holder;
    }
}
