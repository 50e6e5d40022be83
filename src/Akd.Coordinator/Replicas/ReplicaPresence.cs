using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Replicas;

/// <summary>
/// Keeps this replica's heartbeat in the store, and marks offline the agents of replicas whose heartbeat
/// stopped (they died with those agents' streams; the agents reconnect to a live replica). Its first beat is
/// written before the coordinator serves, so start-up recovery can tell its own from dead replicas'.
/// </summary>
public sealed partial class ReplicaPresence(
    ReplicaStore replicas,
    AgentStore agents,
    ReplicaIdentity identity,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<ReplicaPresence> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await replicas.BeatAsync(identity.Id, cancellationToken).ConfigureAwait(false);
        LogStarted(identity.Id);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// How long the stop's one statement saying this replica left may take. Its own, not the host's token: the host's
    /// stop runs the server's drain first, and with 10,000 agent streams to tear down that can spend the whole
    /// shutdown timeout, which left the token expired here and the replica listed live until its heartbeat aged out.
    /// </summary>
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(2);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        using var leave = new CancellationTokenSource(LeaveTimeout);
        try
        {
            await replicas.LeaveAsync(identity.Id, leave.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or OperationCanceledException or InvalidOperationException)
        {
            // Its heartbeat ages out instead.
            LogLeaveFailed(ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReplicaHeartbeatInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await BeatOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One heartbeat and one look for dead replicas' agents.</summary>
    internal async Task BeatOnceAsync(CancellationToken ct)
    {
        try
        {
            await replicas.BeatAsync(identity.Id, ct).ConfigureAwait(false);
            var orphaned = await agents.MarkOfflineOfDeadReplicasAsync(clock.GetUtcNow() - options.Value.ReplicaTimeout, ct).ConfigureAwait(false);
            if (orphaned > 0)
            {
                LogOrphaned(orphaned);
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            // The store is down for a moment: the next tick tries again (other replicas see this one as dead meanwhile).
            LogBeatFailed(ex.Message);
        }
    }

    [LoggerMessage(EventId = 960, Level = LogLevel.Information, Message = "Replica {Id} is alive")]
    private partial void LogStarted(string id);

    [LoggerMessage(EventId = 961, Level = LogLevel.Warning, Message = "Replica heartbeat not stored: {Reason}")]
    private partial void LogBeatFailed(string reason);

    [LoggerMessage(EventId = 962, Level = LogLevel.Information, Message = "{Count} agent(s) of a replica that stopped beating are offline")]
    private partial void LogOrphaned(int count);

    [LoggerMessage(EventId = 963, Level = LogLevel.Warning, Message = "Could not record that this replica stops: {Reason}")]
    private partial void LogLeaveFailed(string reason);
}
