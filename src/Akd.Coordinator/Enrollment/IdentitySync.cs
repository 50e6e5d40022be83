using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Enrollment;

/// <summary>
/// On PostgreSQL, where replicas share the store: every replica heartbeat, this replica's caches follow what was done
/// through the others. Enrolled agents: revokes, relabels and removes (<see cref="AgentIdentities.SyncAsync"/>), so a
/// revoked agent connected here loses its stream within one heartbeat (2 s by default), as it does on the replica that
/// revoked it. Operator tokens: created ones are accepted here, revoked ones refused (<see cref="OperatorTokens.SyncAsync"/>).
/// Each beat reads only the rows stamped as changed since the previous one (less a lookback), not every agent and token.
/// On SQLite one process owns the store and its caches are always current: nothing runs.
/// </summary>
public sealed partial class IdentitySync(
    AgentIdentities identities, OperatorTokens tokens, Database database, IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<IdentitySync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Engine != "postgres")
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.ReplicaHeartbeatInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await identities.SyncAsync(stoppingToken).ConfigureAwait(false);
                    await tokens.SyncAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
                {
                    // The store is away for a moment: the next tick reads it again.
                    LogSyncFailed(ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 924, Level = LogLevel.Warning, Message = "Enrolled agents and operator tokens not synced with the shared store: {Reason}")]
    private partial void LogSyncFailed(string reason);
}
