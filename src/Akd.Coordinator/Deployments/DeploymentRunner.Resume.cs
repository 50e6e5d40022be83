using Akd.Contracts.V1;

namespace Akd.Coordinator.Deployments;

public sealed partial class DeploymentRunner
{
    /// <summary>
    /// The plan of an interrupted deployment's rest: its stored manifest, its release and artifact (or
    /// source), the hosts done and only the hosts it had not reached. Null when what the remaining hosts
    /// need is no longer stored.
    /// </summary>
    public async Task<(DeploymentPlan Plan, ArtifactRef Artifact)?> ResumePlanAsync(Deployment record, ResumePlan resume, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(resume);
        var source = record.Strategy == "source";
        var needed = source ? record.SourceSha256 : record.ArtifactSha256;
        var size = artifacts is null ? null : await artifacts.SizeOfAsync(needed, ct).ConfigureAwait(false);
        if (size is null && resume.Remaining.Count > 0)
        {
            return null;
        }

        var yaml = await deployments.ManifestYamlAsync(record.Id, ct).ConfigureAwait(false);
        var manifest = resume.Manifest(record, yaml);

        var reference = new ArtifactRef { Sha256 = needed, Size = size ?? 0 };
        var plan = new DeploymentPlan(record, manifest, yaml, record.Environment, source ? new SourceSpec { Archive = reference } : new SourceSpec(), "", resume.Remaining)
        {
            SourceVersion = source ? record.Version : "",
            DoneBefore = resume.Done,
            InFlightAtRestart = resume.InFlightAtRestart,
        };
        return (plan, reference);
    }

    /// <summary>
    /// Goes on with an interrupted deployment from its next batch: the same release and artifact (or
    /// source), on the hosts it had not reached (<see cref="DeploymentPlan.Targets"/>), the hosts done
    /// counting as in one rollout. Never throws, as <see cref="RunAsync"/>.
    /// </summary>
    public async Task ResumeAsync(DeploymentPlan plan, ArtifactRef artifact, DeploymentControl control, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var record = plan.Record;
        try
        {
            if (control.IsCancelRequested)
            {
                // Cancelled before the coordinator stopped: it ends as that cancel would have, the batch then in flight going back.
                await journal.NoteAsync(record.Id, $"after a coordinator restart: ending the rollout {control.CancelledBy} cancelled before it", ct).ConfigureAwait(false);
                var inFlight = plan.DoneBefore.Where(d => plan.InFlightAtRestart.Contains(d.Host, StringComparer.Ordinal)).ToList();
                await EndRolloutAsync(plan, control, record.ReleaseId, new RolloutOutcome(plan.DoneBefore, plan.Targets, inFlight, Stopped: false, Cancelled: true), ct)
                    .ConfigureAwait(false);
                return;
            }

            var what = plan.Targets.Count == 0
                ? "every host had ended its step"
                : $"{(record.ReleaseId.Length > 0 ? record.ReleaseId : "the source")} to {string.Join(", ", plan.Targets)} (hosts already done are not touched again)";
            await journal.NoteAsync(record.Id, $"resuming after a coordinator restart: {what}", ct).ConfigureAwait(false);
            if (record.Strategy == "source")
            {
                await DeliverAsync(plan, control, record.ReleaseId, record.Version, (command, knownId) =>
                {
                    command.DeadlineSeconds = (int)Math.Ceiling(SourceDeadline(plan).TotalSeconds);
                    command.SourceActivate = new SourceActivateStep { Source = plan.Source, ReleaseId = knownId, CreatedAt = record.CreatedAt };
                }, ct, plan.DoneBefore).ConfigureAwait(false);
                return;
            }

            // The build's hot-upgrade plan, as the first hosts got it: each host decides hot or restart by it as they did.
            var upgrade = await deployments.UpgradePlanAsync(record.Id, ct).ConfigureAwait(false);
            await DeliverAsync(plan, control, record.ReleaseId, record.Version,
                (command, _) => command.Activate = new ActivateStep { Artifact = artifact, ReleaseId = record.ReleaseId, Version = record.Version, Upgrade = upgrade }, ct,
                plan.DoneBefore).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await InterruptedAsync(record.Id).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogCrashed(ex, record.Id);
            await FinishAsync(plan, DeploymentState.Failed, $"internal error: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The coordinator is stopping: the deployment is left unfinished (not failed) and its steps running on
    /// the agents, which keep their results; the next start reconciles it.
    /// </summary>
    private Task InterruptedAsync(string id) =>
        journal.SetStateAsync(id, DeploymentState.Interrupted, "interrupted: the coordinator is stopping; it is reconciled when the coordinator starts again",
            CancellationToken.None);
}
