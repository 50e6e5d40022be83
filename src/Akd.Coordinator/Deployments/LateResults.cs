using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Records a step result no step waits for: the coordinator restarted during the step (its deployment
/// is interrupted) or gave up on it (the host's state was recorded as unknown, perhaps long ago, and the
/// deployment may have ended since). Only a host step still open, or decided without the host's answer,
/// takes it, so a duplicate, or a result for a step the host already answered, changes nothing; history
/// then says what the host's own revisions.log says.
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
        // The row must be the one this result is about: not one a live step of the same host stands for
        // (this is then a resent result of an earlier step), nor one of another kind. An open row first.
        var row = record is null || registry.WaitsForStepOf(agent, record.Id) ? null
            : record.Hosts.Where(h => h.Host == agent && KindFits(h.Step, result) && (h.State == StepState.Running || HostUnknown.Is(h)))
                .OrderBy(h => h.State == StepState.Running ? 0 : 1).FirstOrDefault();
        if (record is null || row is null)
        {
            LogIgnored(result.StepId, agent);
            return;
        }

        var (state, release, message) = await DescribeAsync(record, agent, row, result, ct).ConfigureAwait(false);
        await journal.RecordHostAsync(record.Id, agent, row.Step, state, release, $"{message} (reported after the coordinator lost the step)", ct).ConfigureAwait(false);
        if (row.State != StepState.Running)
        {
            var ended = record.FinishedAt is null ? "" : $" after the deployment ended {record.State.Text()}";
            await journal.NoteAsync(record.Id,
                $"a late result from {agent} arrived{ended}: its {row.Step.Text()} step {state.Text()}{(release.Length > 0 ? $", on {release}" : "")} " +
                $"(it had been recorded {row.State.Text()}: {row.Message})", ct).ConfigureAwait(false);
        }

        LogRecorded(result.StepId, agent, record.Id, state.Text());
        Recorded?.Invoke(record.Id);
    }

    private static bool KindFits(StepKind step, StepResult result) => result.DetailCase switch
    {
        StepResult.DetailOneofCase.Build => step == StepKind.Build,
        StepResult.DetailOneofCase.Activate => step != StepKind.Build && !step.IsAppControl(),
        StepResult.DetailOneofCase.Control => step.IsAppControl(),
        _ => true,
    };

    private async Task<(StepState State, string Release, string Message)> DescribeAsync(
        Deployment record, string host, HostStatus row, StepResult result, CancellationToken ct)
    {
        if (row.Step == StepKind.Rollback)
        {
            return DeploymentRunner.DescribeRollback(result, $"rollback by {record.Actor}");
        }

        if (result.Control is not null)
        {
            return FleetOperationRunner.DescribeControl(result);
        }

        if (result.Activate is { } activate)
        {
            if (result.Ok)
            {
                return (StepState.Succeeded, activate.ReleaseId, $"{activate.ReleaseId} is current and healthy");
            }

            return activate.RolledBack
                ? (StepState.RolledBack, activate.PreviousReleaseId, result.Error)
                : (StepState.Failed, activate.ReleaseId, result.Error);
        }

        if (result.Ok)
        {
            var built = result.Build is { } build ? $"built {build.App} {build.Version}" : "done";
            return (StepState.Succeeded, row.ReleaseId, built);
        }

        return (StepState.Failed, await deployments.LastKnownReleaseAsync(record.App, record.Environment, host, ct).ConfigureAwait(false), result.Error);
    }

    [LoggerMessage(EventId = 260, Level = LogLevel.Information, Message = "Late result of step {StepId} from {Agent} recorded for deployment {Id}: {State}")]
    private partial void LogRecorded(string stepId, string agent, string id, string state);

    [LoggerMessage(EventId = 261, Level = LogLevel.Debug, Message = "Late result of step {StepId} from {Agent} ignored: no open step of a deployment takes it")]
    private partial void LogIgnored(string stepId, string agent);
}
