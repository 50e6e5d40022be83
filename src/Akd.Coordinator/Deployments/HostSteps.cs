using Akd.Contracts.V1;
using Akd.Coordinator.Agents;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Runs one step on one host for a deployment: records it running, stores the agent's output lines and
/// phases as events in the order they came, and returns the result for the caller to record.
/// </summary>
public sealed class HostSteps(AgentRegistry registry, DeploymentJournal journal)
{
    public async Task<StepResult> RunAsync(string deploymentId, string host, string step, StepCommand command, string releaseId, CancellationToken ct)
    {
        await journal.RecordHostAsync(deploymentId, host, step, StepStates.Running, releaseId, "", ct).ConfigureAwait(false);

        // Agent events arrive on the agent's stream; they are chained so they are stored in the order they came.
        var chain = Task.CompletedTask;
        var chainLock = new object();
        var result = await registry.RunStepAsync(host, command, message =>
        {
            var e = ToEvent(deploymentId, host, step, message);
            lock (chainLock)
            {
                chain = chain.ContinueWith(_ => journal.PublishAsync(e, CancellationToken.None), TaskScheduler.Default).Unwrap();
            }
        }, ct).ConfigureAwait(false);
        Task pending;
        lock (chainLock)
        {
            pending = chain;
        }

        await pending.ConfigureAwait(false);
        return result;
    }

    public static DeploymentEvent ToEvent(string id, string host, string step, AgentMessage message) => message.BodyCase switch
    {
        AgentMessage.BodyOneofCase.Log => new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Log, Host = host, Step = step, Stream = message.Log.Stream, Message = message.Log.Line, At = message.Log.At,
        },
        _ => new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Progress, Host = host, Step = step, State = message.Progress.Phase, Message = message.Progress.Message, At = message.Progress.At,
        },
    };
}
