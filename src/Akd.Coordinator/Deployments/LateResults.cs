using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Records a step result no step waits for: the coordinator restarted during the step (its deployment
/// is interrupted) or gave up on it. Only a host step still open (running) takes it, so a duplicate, or
/// a result for a step that was already decided, changes nothing.
/// </summary>
public sealed partial class LateResults(
    DeploymentStore deployments, DeploymentJournal journal, AgentRegistry registry, ILogger<LateResults> logger) : ILateResults
{
    /// <summary>Raised after a late result was recorded, with the deployment's id (the reconciler listens).</summary>
    public event Action<string>? Recorded;

    public async Task RecordAsync(string agent, StepResult result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(result);
        var record = string.IsNullOrEmpty(result.DeploymentId) ? null : await deployments.GetAsync(result.DeploymentId, ct).ConfigureAwait(false);
        // The open step must be the one this result is about: not one a live step of the same host stands
        // for (this is then a resent result of an earlier step), nor one of another kind.
        var open = record is null || registry.WaitsForStepOf(agent, record.Id) ? null
            : record.Hosts.FirstOrDefault(h => h.Host == agent && h.State == StepStates.Running && KindFits(h.Step, result));
        if (record is null || open is null)
        {
            LogIgnored(result.StepId, agent);
            return;
        }

        var (state, release, message) = await DescribeAsync(record, agent, open, result, ct).ConfigureAwait(false);
        await journal.RecordHostAsync(record.Id, agent, open.Step, state, release, $"{message} (reported after the coordinator lost the step)", ct).ConfigureAwait(false);
        LogRecorded(result.StepId, agent, record.Id, state);
        Recorded?.Invoke(record.Id);
    }

    private static bool KindFits(string step, StepResult result) => result.DetailCase switch
    {
        StepResult.DetailOneofCase.Build => step == StepKinds.Build,
        StepResult.DetailOneofCase.Activate => step != StepKinds.Build,
        _ => true,
    };

    private async Task<(string State, string Release, string Message)> DescribeAsync(
        Deployment record, string host, HostStatus open, StepResult result, CancellationToken ct)
    {
        if (result.Activate is { } activate)
        {
            if (result.Ok)
            {
                return (StepStates.Succeeded, activate.ReleaseId, $"{activate.ReleaseId} is current and healthy");
            }

            return activate.RolledBack
                ? (StepStates.RolledBack, activate.PreviousReleaseId, result.Error)
                : (StepStates.Failed, activate.ReleaseId, result.Error);
        }

        if (result.Ok)
        {
            var built = result.Build is { } build ? $"built {build.App} {build.Version}" : "done";
            return (StepStates.Succeeded, open.ReleaseId, built);
        }

        return (StepStates.Failed, await deployments.LastKnownReleaseAsync(record.App, record.Environment, host, ct).ConfigureAwait(false), result.Error);
    }

    [LoggerMessage(EventId = 260, Level = LogLevel.Information, Message = "Late result of step {StepId} from {Agent} recorded for deployment {Id}: {State}")]
    private partial void LogRecorded(string stepId, string agent, string id, string state);

    [LoggerMessage(EventId = 261, Level = LogLevel.Debug, Message = "Late result of step {StepId} from {Agent} ignored: no open step of a deployment takes it")]
    private partial void LogIgnored(string stepId, string agent);
}
