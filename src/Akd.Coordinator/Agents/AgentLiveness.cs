using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Agents;

/// <summary>
/// What the store says about the liveness of the agents this replica holds. A heartbeat only notes the agent here;
/// once a <see cref="CoordinatorOptions.HeartbeatInterval"/> the agents that beat since are refreshed (online, last
/// seen now) in one statement, instead of a write per beat (2,000 a second with 10,000 agents). A refresh that fails
/// is logged and its agents are refreshed with the next one: it never ends a stream. At a stop, every agent this
/// replica holds is marked offline in one statement (<see cref="MarkHeldOfflineAtStopAsync"/>), not one write per closing stream.
/// </summary>
public sealed partial class AgentLiveness(
    AgentStore agents, AgentRegistry registry, IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<AgentLiveness> logger)
    : BackgroundService
{
    private readonly object _gate = new();
    private HashSet<string> _beaten = new(StringComparer.Ordinal);
    private Task _refreshing = Task.CompletedTask;
    private Task<bool>? _stopped;

    /// <summary>The agent's heartbeat arrived on this replica's stream: it is refreshed in the store with the next round.</summary>
    public void Beat(string name)
    {
        lock (_gate)
        {
            _beaten.Add(name);
        }
    }

    /// <summary>
    /// Marks an agent whose stream here ended offline, after any refresh that may still name it, so the refresh cannot
    /// land after the mark and show it online. A stream closed by the stop is covered by the stop's one statement.
    /// </summary>
    public async Task OfflineAsync(AgentConnection connection, CancellationToken ct)
    {
        // A stream the stop closed waits for the stop's one statement (started by the first to get here, if the stop's
        // own call has not yet): it was held when the stop began, so that statement covers it.
        if (connection.ClosedByStop && await MarkHeldOfflineAtStopAsync().ConfigureAwait(false))
        {
            return;
        }

        Task refreshing;
        lock (_gate)
        {
            _beaten.Remove(connection.Name);
            refreshing = _refreshing;
        }

        await refreshing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await agents.MarkAsync(connection.Name, AgentState.Offline, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The replica stops: no refresh runs any more (a late one could show a closed agent online) and every agent it
    /// holds is marked offline in one statement. True when that statement was written; each stream then marks itself.
    /// Started once, by the first caller; later callers get the same task.
    /// </summary>
    public Task<bool> MarkHeldOfflineAtStopAsync()
    {
        lock (_gate)
        {
            _stopped ??= MarkAllOfflineAsync(_refreshing);
            return _stopped;
        }
    }

    private async Task<bool> MarkAllOfflineAsync(Task refreshing)
    {
        await refreshing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        try
        {
            var marked = await agents.MarkAllHeldOfflineAsync(CancellationToken.None).ConfigureAwait(false);
            LogMarkedOfflineAtStop(marked);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStopMarkFailed(ex.Message);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Task refresh;
                lock (_gate)
                {
                    if (_stopped is not null)
                    {
                        return;
                    }

                    refresh = _refreshing = RefreshAsync(TakeBeaten());
                }

                await refresh.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The host stops.
        }
    }

    /// <summary>The agents that beat since the last refresh and are still held here. Under the gate.</summary>
    private HashSet<string> TakeBeaten()
    {
        var beaten = _beaten;
        _beaten = new(StringComparer.Ordinal);
        beaten.RemoveWhere(name => !registry.IsOnline(name));
        return beaten;
    }

    private async Task RefreshAsync(HashSet<string> names)
    {
        // Off the gate's holder: the statement runs after the new refresh task was published.
        await Task.Yield();
        if (names.Count == 0)
        {
            return;
        }

        try
        {
            await agents.RefreshOnlineAsync(names, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Refreshed with the next round instead; an agent whose stream ended meanwhile is not (it is offline).
            LogRefreshFailed(names.Count, ex.Message);
            lock (_gate)
            {
                foreach (var name in names)
                {
                    if (registry.IsOnline(name))
                    {
                        _beaten.Add(name);
                    }
                }
            }
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Refreshing the liveness of {Count} agents failed, retried with the next heartbeat round: {Reason}")]
    private partial void LogRefreshFailed(int count, string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Stopping: {Count} agents held here marked offline")]
    private partial void LogMarkedOfflineAtStop(int count);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Stopping: marking the agents held here offline failed, each stream marks its own: {Reason}")]
    private partial void LogStopMarkFailed(string reason);
}
