using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Enrollment;

/// <summary>
/// On PostgreSQL, where replicas share the store: every replica heartbeat, this replica's cache of enrolled agents
/// follows revokes, relabels and removes done through the others (<see cref="AgentIdentities.SyncAsync"/>), so a
/// revoked agent connected here loses its stream within one heartbeat (2 s by default), as it does on the replica
/// that revoked it. On SQLite one process owns the store and its cache is always current: nothing runs.
/// </summary>
public sealed partial class IdentitySync(
    AgentIdentities identities, Database database, IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<IdentitySync> logger) : BackgroundService
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

    [LoggerMessage(EventId = 924, Level = LogLevel.Warning, Message = "Enrolled agents not synced with the shared store: {Reason}")]
    private partial void LogSyncFailed(string reason);
}
