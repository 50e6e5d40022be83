using Akd.Contracts.V1;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// At start-up: no agent is connected yet, and a deployment that was running when the coordinator
/// stopped cannot be resumed blindly (its hosts may be anywhere), so it is closed as failed with
/// a message that says why. Its hosts keep whatever release they last reported.
/// </summary>
public sealed partial class DeploymentRecovery(
    AgentStore agents, DeploymentStore deployments, DeploymentEvents events, DeployLockStore locks, ILogger<DeploymentRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await agents.MarkAllOfflineAsync(ct).ConfigureAwait(false);
        foreach (var id in await deployments.ListUnfinishedAsync(ct).ConfigureAwait(false))
        {
            const string reason = "the coordinator restarted while this deployment ran; check `akdctl releases` and deploy again";
            await deployments.FailUnfinishedStepsAsync(id, reason, ct).ConfigureAwait(false);
            await deployments.SetStateAsync(id, DeploymentStates.Failed, reason, finished: true, ct).ConfigureAwait(false);
            await events.PublishAsync(new DeploymentEvent { DeploymentId = id, Kind = EventKind.Deployment, State = DeploymentStates.Failed, Message = reason }, ct).ConfigureAwait(false);
            LogRecovered(id);
        }

        // Failing a deployment released its lock; anything left has no running deployment behind it.
        var stale = await locks.ReleaseStaleAsync(ct).ConfigureAwait(false);
        if (stale > 0)
        {
            LogStaleLocks(stale);
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Deployment {Id} was interrupted by a coordinator restart and is marked failed")]
    private partial void LogRecovered(string id);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Released {Count} deploy lock(s) left without a running deployment")]
    private partial void LogStaleLocks(int count);
}
