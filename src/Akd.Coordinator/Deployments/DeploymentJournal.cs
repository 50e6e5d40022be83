using Akd.Contracts.V1;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Writes a deployment's history: every state change and host result is stored first, then
/// published, so what <c>akdctl status</c> and <c>logs</c> read after a restart is what was shown live.
/// </summary>
public sealed partial class DeploymentJournal(DeploymentStore deployments, DeploymentEvents events, ILogger<DeploymentJournal> logger)
{
    public async Task SetStateAsync(string id, DeploymentState state, string message, CancellationToken ct, string releaseId = "", string version = "")
    {
        if (!await deployments.SetStateAsync(id, state, null, finished: false, ct).ConfigureAwait(false))
        {
            return;
        }

        await PublishAsync(new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Deployment, DeploymentState = state, Message = message, ReleaseId = releaseId, Version = version,
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Ends the deployment (which releases its deploy lock) and announces it.</summary>
    public async Task FinishAsync(string id, DeploymentState state, string message, CancellationToken ct)
    {
        var error = state == DeploymentState.Succeeded ? "" : message;
        if (!await deployments.SetStateAsync(id, state, error, finished: true, ct).ConfigureAwait(false))
        {
            return;
        }

        await PublishAsync(new DeploymentEvent { DeploymentId = id, Kind = EventKind.Deployment, DeploymentState = state, Message = message }, ct).ConfigureAwait(false);
        LogFinished(id, state.Text(), message);
    }

    /// <summary>Records a host's step and publishes it.</summary>
    /// <param name="stateUnknown">The step was decided without the host's answer (<see cref="HostUnknown"/>): the row is marked and its message says so.</param>
    public async Task RecordHostAsync(
        string id, string host, StepKind step, StepState state, string releaseId, string message, CancellationToken ct, string version = "", bool stateUnknown = false)
    {
        message = stateUnknown ? message + HostUnknown.Note : message;
        await deployments.SetHostStepAsync(id, host, step, state, releaseId, message, ct, stateUnknown).ConfigureAwait(false);
        await PublishAsync(new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Step, Host = host, Step = step, StepState = state, Message = message, ReleaseId = releaseId, Version = version,
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Hosts the rollout never reached: recorded with the release they were last known to run.</summary>
    public async Task SkipAsync(Deployment record, IEnumerable<string> hosts, StepKind step, string reason, CancellationToken ct)
    {
        foreach (var host in hosts)
        {
            var release = await deployments.LastKnownReleaseAsync(record.App, record.Environment, host, ct).ConfigureAwait(false);
            var message = string.IsNullOrEmpty(release) ? $"{reason}; untouched" : $"{reason}; untouched, still on {release}";
            await RecordHostAsync(record.Id, host, step, StepState.Skipped, release, message, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A line about the deployment itself (batches, cancel requests) in its log.</summary>
    public Task NoteAsync(string id, string message, CancellationToken ct) =>
        PublishAsync(new DeploymentEvent { DeploymentId = id, Kind = EventKind.Log, Stream = "coordinator", Message = message }, ct);

    public Task PublishAsync(DeploymentEvent e, CancellationToken ct) => events.PublishAsync(e, ct);

    [LoggerMessage(EventId = 220, Level = LogLevel.Information, Message = "Deployment {Id} ended {State}: {Message}")]
    private partial void LogFinished(string id, string state, string message);
}
