using Akd.Contracts.V1;
using Akd.Manifest;

namespace Akd.Coordinator.Deployments;

public sealed partial class DeploymentRunner
{
    /// <summary>
    /// The plan of an interrupted deployment's rest: its stored manifest, its release and artifact,
    /// and only the hosts it had not reached. Null when the artifact is no longer stored.
    /// </summary>
    public async Task<(DeploymentPlan Plan, ArtifactRef Artifact)?> ResumePlanAsync(Deployment record, IReadOnlyList<string> remaining, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (artifacts?.SizeOf(record.ArtifactSha256) is not { } size)
        {
            return null;
        }

        var yaml = await deployments.ManifestYamlAsync(record.Id, ct).ConfigureAwait(false);
        var manifest = ManifestLoader.Parse(yaml, "akd.yaml", string.IsNullOrEmpty(record.Environment) ? null : record.Environment, record.App);
        var plan = new DeploymentPlan(record, manifest, yaml, record.Environment, new SourceSpec(), "", remaining);
        return (plan, new ArtifactRef { Sha256 = record.ArtifactSha256, Size = size });
    }

    /// <summary>
    /// Goes on with an interrupted deployment from its next batch: the same release and artifact, on the
    /// hosts it had not reached (<see cref="DeploymentPlan.Targets"/>). Never throws, as <see cref="RunAsync"/>.
    /// </summary>
    public async Task ResumeAsync(DeploymentPlan plan, ArtifactRef artifact, DeploymentControl control, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var record = plan.Record;
        try
        {
            await journal.NoteAsync(record.Id,
                $"resuming after a coordinator restart: {record.ReleaseId} to {string.Join(", ", plan.Targets)} (hosts already done are not touched again)", ct).ConfigureAwait(false);
            // The hot-upgrade plan of the build is not stored: the rest of the rollout restarts the release.
            await DeliverAsync(plan, control, record.ReleaseId, record.Version,
                (command, _) => command.Activate = new ActivateStep { Artifact = artifact, ReleaseId = record.ReleaseId, Version = record.Version }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await InterruptedAsync(record.Id).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogCrashed(ex, record.Id);
            await FinishAsync(plan, DeploymentStates.Failed, $"internal error: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The coordinator is stopping: the deployment is left unfinished (not failed) and its steps running on
    /// the agents, which keep their results; the next start reconciles it.
    /// </summary>
    private Task InterruptedAsync(string id) =>
        journal.SetStateAsync(id, DeploymentStates.Interrupted, "interrupted: the coordinator is stopping; it is reconciled when the coordinator starts again",
            CancellationToken.None);
}
