using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Agents;

/// <summary>The store's view of the agents a replica holds: refreshed once a heartbeat interval, all offline at a stop. Real SQLite.</summary>
public sealed class AgentLivenessTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly CoordinatorOptions _options = new();
    private readonly AgentRegistry _registry;
    private readonly AgentStore _agents;
    private readonly AgentLiveness _liveness;

    public AgentLivenessTests()
    {
        var options = Microsoft.Extensions.Options.Options.Create(_options);
        _registry = new AgentRegistry(_clock, options, NullLogger<AgentRegistry>.Instance);
        _agents = new AgentStore(_db.Database, _clock);
        _liveness = new AgentLiveness(_agents, _registry, options, _clock, NullLogger<AgentLiveness>.Instance);
    }

    public void Dispose()
    {
        _liveness.Dispose();
        _db.Dispose();
    }

    private async Task<AgentConnection> ConnectAsync(string name)
    {
        var hello = new AgentHello { Name = name, Hostname = "host-" + name };
        await _agents.UpsertOnlineAsync(hello, CancellationToken.None);
        var connection = new AgentConnection(hello, new Dictionary<string, string>());
        _registry.Connected(connection);
        return connection;
    }

    private async Task<AgentInfo> RowAsync(string name) => (await _agents.ListAsync(CancellationToken.None)).Single(a => a.Name == name);

    [Fact(Timeout = 20_000)]
    public async Task Beat_OneHeartbeatIntervalLater_AgentsThatBeatRefreshedInTheStoreOthersNot()
    {
        // Arrange: web-1 and web-2 held here, shown offline in the store (e.g. a stale offline mark).
        await ConnectAsync("web-1");
        await ConnectAsync("web-2");
        await _agents.MarkAsync("web-1", AgentState.Offline, CancellationToken.None);
        await _agents.MarkAsync("web-2", AgentState.Offline, CancellationToken.None);
        await _liveness.StartAsync(CancellationToken.None);

        // Act: only web-1 beats, then heartbeat intervals pass until the refresh landed (the service's timer starts on
        // its own thread, maybe after the first advance; the wait is bounded by the test's timeout).
        _liveness.Beat("web-1");
        while ((await RowAsync("web-1")).State != AgentState.Online)
        {
            _clock.Advance(_options.HeartbeatInterval);
            await Task.Delay(20);
        }

        // Assert
        Assert.True((await RowAsync("web-1")).LastSeen!.ToDateTimeOffset() > new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Assert.Equal(AgentState.Offline, (await RowAsync("web-2")).State);
        await _liveness.StopAsync(CancellationToken.None);
    }

    [Fact(Timeout = 20_000)]
    public async Task MarkHeldOfflineAtStopAsync_StreamsClosedByTheStop_EveryOneOfflineAndEachStreamsEndWritesNothingMore()
    {
        // Arrange: three agents held here, each has beaten.
        var connections = new List<AgentConnection>();
        foreach (var name in new[] { "web-1", "web-2", "web-3" })
        {
            connections.Add(await ConnectAsync(name));
            _liveness.Beat(name);
        }

        // Act: the stop closes every stream and marks them all in one statement; each stream's end then runs.
        _registry.CloseAll();
        var marked = await _liveness.MarkHeldOfflineAtStopAsync();
        foreach (var connection in connections)
        {
            Assert.True(_registry.Disconnected(connection));
            await _liveness.OfflineAsync(connection, CancellationToken.None);
        }

        // Assert
        Assert.True(marked);
        Assert.True(_registry.Stopping);
        Assert.All(connections, c => Assert.True(c.ClosedByStop && c.Replaced.IsCancellationRequested));
        Assert.All(await _agents.ListAsync(CancellationToken.None), a => Assert.Equal(AgentState.Offline, a.State));
    }

    [Fact(Timeout = 20_000)]
    public async Task OfflineAsync_StreamJoinedDuringTheStop_ClosedAtOnceAndMarkedOfflineByItsOwnEnd()
    {
        // Arrange: the stop began and its one statement ran before web-late's row was written.
        await ConnectAsync("web-1");
        _registry.CloseAll();
        Assert.True(await _liveness.MarkHeldOfflineAtStopAsync());

        // Act: web-late's hello had passed the stopping check; it connects now, and its stream ends.
        var late = await ConnectAsync("web-late");
        _registry.Disconnected(late);
        await _liveness.OfflineAsync(late, CancellationToken.None);

        // Assert
        Assert.True(late.Replaced.IsCancellationRequested);
        Assert.False(late.ClosedByStop);
        Assert.Equal(AgentState.Offline, (await RowAsync("web-late")).State);
    }
}
