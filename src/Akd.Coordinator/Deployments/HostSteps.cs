using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Observability;
using Akd.Core.Metrics;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Runs one step on one host for a deployment: records it running, stores the agent's output lines and
/// phases as events in the order they came, and returns the result for the caller to record.
/// </summary>
public sealed class HostSteps(
    AgentRegistry registry, DeploymentJournal journal, CoordinatorMetrics metrics, TimeProvider clock, Storage.ArtifactDeliveryStore? deliveries = null)
{
    public async Task<StepResult> RunAsync(string deploymentId, string host, StepKind step, StepCommand command, string releaseId, CancellationToken ct)
    {
        await journal.RecordHostAsync(deploymentId, host, step, StepState.Running, releaseId, "", ct).ConfigureAwait(false);

        // Agent events arrive on the agent's stream; they are chained so they are stored in the order they came.
        var chain = Task.CompletedTask;
        var chainLock = new object();
        var started = clock.GetTimestamp();
        var phases = new PhaseClock(clock);
        var result = await registry.RunStepAsync(host, command, message =>
        {
            var e = ToEvent(deploymentId, host, step, message);
            lock (chainLock)
            {
                if (message.BodyCase == AgentMessage.BodyOneofCase.Progress && phases.Enter(message.Progress.Phase.Text()) is { } ended)
                {
                    metrics.PhaseEnded(step.Text(), ended.Phase, ended.Elapsed);
                }

                chain = chain.ContinueWith(_ => journal.PublishAsync(e, CancellationToken.None), TaskScheduler.Default).Unwrap();
            }
        }, ct).ConfigureAwait(false);
        Task pending;
        lock (chainLock)
        {
            pending = chain;
            if (phases.Enter(null) is { } last)
            {
                metrics.PhaseEnded(step.Text(), last.Phase, last.Elapsed);
            }
        }

        metrics.StepEnded(step.Text(), result.Ok ? "ok" : result.NoAnswer ? "no_answer" : "failed", clock.GetElapsedTime(started));
        await pending.ConfigureAwait(false);
        if (result.Activate?.Transfer is { } transfer)
        {
            metrics.ArtifactDelivered(deploymentId, host, transfer.BytesFromCoordinator, transfer.BytesFromPeers);
            if (deliveries is not null)
            {
                await deliveries.RecordAsync(deploymentId, host, transfer, ct).ConfigureAwait(false);
            }
        }

        return result;
    }

    /// <summary>The step's result is recorded: the host may forget it (it keeps it on disk until then).</summary>
    public void Acknowledge(string host, StepCommand command) => registry.Acknowledge(host, command.StepId);

    public static DeploymentEvent ToEvent(string id, string host, StepKind step, AgentMessage message) => message.BodyCase switch
    {
        AgentMessage.BodyOneofCase.Log => new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Log, Host = host, Step = step, Stream = message.Log.Stream, Message = message.Log.Line, At = message.Log.At,
        },
        _ => new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Progress, Host = host, Step = step, Phase = message.Progress.Phase, Message = message.Progress.Message, At = message.Progress.At,
        },
    };
}
