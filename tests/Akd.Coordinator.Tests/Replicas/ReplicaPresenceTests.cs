using Akd.Coordinator.Replicas;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Replicas;

/// <summary>A replica's presence in the store across its start and stop. Real SQLite.</summary>
public sealed class ReplicaPresenceTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly CoordinatorOptions _options = new();
    private readonly ReplicaStore _replicas;
    private readonly ReplicaPresence _presence;

    public ReplicaPresenceTests()
    {
        _replicas = new ReplicaStore(_db.Database, _clock);
        _presence = new ReplicaPresence(
            _replicas, new AgentStore(_db.Database, _clock), new ReplicaIdentity("a"), Microsoft.Extensions.Options.Options.Create(_options),
            _clock, NullLogger<ReplicaPresence>.Instance);
    }

    public void Dispose()
    {
        _presence.Dispose();
        _db.Dispose();
    }

    private Task<List<string>> LiveAsync() => _replicas.ListLiveAsync(_clock.GetUtcNow() - _options.ReplicaTimeout, CancellationToken.None);

    [Fact(Timeout = 30_000)]
    public async Task Stop_HostShutdownTimeoutAlreadySpent_StillRecordsThatTheReplicaLeft()
    {
        // Arrange: started (its first beat written), then a stop whose host token expired during the server's drain.
        await _presence.StartAsync(CancellationToken.None);
        Assert.Equal(["a"], await LiveAsync());

        // Act
        await _presence.StopAsync(new CancellationToken(canceled: true));

        // Assert: the other replicas see it gone at once, not after its heartbeat ages out.
        Assert.Empty(await LiveAsync());
    }
}
