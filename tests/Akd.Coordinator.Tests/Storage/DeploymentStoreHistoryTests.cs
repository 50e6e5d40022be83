using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>History retention against a real SQLite store.</summary>
public sealed class DeploymentStoreHistoryTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly EventStore _events;

    public DeploymentStoreHistoryTests()
    {
        _events = new EventStore(_db.Database);
    }

    public void Dispose() => _db.Dispose();

    [Fact(Timeout = 10_000)]
    public async Task DeleteHistoryBeforeAsync_EndedDeployments_DeletedWithEventsExceptLastSuccessPerAppAndEnvironment()
    {
        // Arrange: for hello: an older success, the last success, a later failure, and a deployment still
        // running; billing's one success; each with an event.
        await AddAsync("d-1-old-success", "hello", DeploymentStates.Succeeded, minutesAgo: 50);
        await AddAsync("d-2-last-success", "hello", DeploymentStates.Succeeded, minutesAgo: 40);
        await AddAsync("d-3-failed", "hello", DeploymentStates.Failed, minutesAgo: 30);
        await AddAsync("d-4-running", "hello", null, minutesAgo: 20);
        await AddAsync("d-5-billing", "billing", DeploymentStates.Succeeded, minutesAgo: 10);

        // Act: a cutoff after every one of them ended.
        var deleted = await _db.Deployments.DeleteHistoryBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);

        // Assert
        Assert.Equal(2, deleted);
        Assert.Null(await _db.Deployments.GetAsync("d-1-old-success", CancellationToken.None));
        Assert.Null(await _db.Deployments.GetAsync("d-3-failed", CancellationToken.None));
        Assert.Empty(await _events.ReadAsync("d-1-old-success", 0, CancellationToken.None));
        Assert.Empty(await _events.ReadAsync("d-3-failed", 0, CancellationToken.None));
        foreach (var kept in new[] { "d-2-last-success", "d-4-running", "d-5-billing" })
        {
            Assert.NotNull(await _db.Deployments.GetAsync(kept, CancellationToken.None));
            Assert.Single(await _events.ReadAsync(kept, 0, CancellationToken.None));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task SweepAsync_RecentlyEndedDeployments_Kept()
    {
        // Arrange
        await AddAsync("d-1", "hello", DeploymentStates.Failed, minutesAgo: 5);
        var retention = new HistoryRetention(_db.Deployments, Options.Create(new CoordinatorOptions { DataDir = _db.Dir, HistoryRetention = TimeSpan.FromDays(1) }),
            TimeProvider.System, NullLogger<HistoryRetention>.Instance);

        // Act
        var deleted = await retention.SweepAsync(CancellationToken.None);

        // Assert
        Assert.Equal(0, deleted);
        Assert.NotNull(await _db.Deployments.GetAsync("d-1", CancellationToken.None));
    }

    private async Task AddAsync(string id, string app, string? finalState, int minutesAgo)
    {
        var d = TempDatabase.NewDeployment(id, app: app);
        d.CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-minutesAgo));
        await _db.Deployments.CreateAsync(d, "app: " + app, CancellationToken.None);
        await _db.Deployments.SetHostStepAsync(id, "web-1", "activate", "succeeded", "0.1.0-x", "", CancellationToken.None);
        await _events.AppendAsync(new DeploymentEvent { DeploymentId = id, Message = "started", At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) }, CancellationToken.None);
        if (finalState is not null)
        {
            await _db.Deployments.SetStateAsync(id, finalState, null, finished: true, CancellationToken.None);
        }
    }
}
