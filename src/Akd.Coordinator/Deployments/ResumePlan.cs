using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// What to do with a deployment or fleet operation the coordinator's restart interrupted, once its
/// hosts' late results are in: go on with the hosts it had not reached, counting the ones done (a
/// failure among them does what it would have done in one rollout: stop it, or be tolerated by
/// <c>max_failures</c>), or end it with each host's true state.
/// </summary>
/// <param name="Step">The host step of the rollout: activate for a deploy, the operation's kind otherwise.</param>
/// <param name="Done">Hosts whose step ended before the restart or reported it since, in target order.</param>
/// <param name="Remaining">Hosts still to run the step on, in target order; empty when nothing is left to run.</param>
/// <param name="CannotResume">Why the rollout cannot go on; null when it can (or only has to be ended).</param>
public sealed record ResumePlan(StepKind Step, IReadOnlyList<HostOutcome> Done, IReadOnlyList<string> Remaining, string? CannotResume)
{
    /// <summary>The hosts whose step ran when the coordinator stopped: the batch in flight, should a cancel asked before the stop put them back.</summary>
    public IReadOnlyList<string> InFlightAtRestart { get; init; } = [];

    /// <param name="hostsOnline">Whether a host is connected now.</param>
    public static ResumePlan For(Deployment record, Func<string, bool> hostsOnline)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(hostsOnline);
        var step = record.Kind.HostStep();
        if (record.Kind == DeploymentKind.Deploy && WhyNoRelease(record) is { } noRelease)
        {
            return new(step, [], [], noRelease);
        }

        var rows = record.Hosts.Where(h => h.Step == step).ToList();
        var unknown = rows.Where(h => h.State == StepState.Running).Select(h => h.Host).ToList();
        if (unknown.Count > 0)
        {
            return new(step, [], [], $"no result came from {string.Join(", ", unknown)} after the restart, so what it runs is unknown");
        }

        var done = rows.Where(h => h.State != StepState.Pending && h.State != StepState.Skipped).Select(h => Outcome(h, step)).ToList();

        // Never run a step twice on a host: only hosts the rollout had not reached remain.
        var remaining = rows.Where(h => h.State == StepState.Pending).Select(h => h.Host).ToList();
        var gone = remaining.Where(h => !hostsOnline(h)).ToList();
        if (gone.Count > 0)
        {
            return new(step, done, remaining, $"{string.Join(", ", gone)} did not come back after the restart");
        }

        return new(step, done, remaining, null);
    }

    /// <summary>
    /// The manifest the rollout ran with, read back from its stored text, its batches cut as the whole
    /// rollout cut them (a percentage of the remaining hosts only would be another size).
    /// </summary>
    public AppManifest Manifest(Deployment record, string yaml)
    {
        ArgumentNullException.ThrowIfNull(record);
        var manifest = ManifestLoader.Parse(yaml, "akd.yaml", string.IsNullOrEmpty(record.Environment) ? null : record.Environment, record.App);
        var rolling = manifest.Deploy.Rolling;
        var size = rolling.Batch.SizeFor(Done.Count + Remaining.Count);
        return manifest with { Deploy = manifest.Deploy with { Rolling = rolling with { Batch = RollingBatch.Count(size) } } };
    }

    private static string? WhyNoRelease(Deployment record)
    {
        if (record.Strategy == "source")
        {
            // A branch may have moved since: the rest of the hosts would build another commit than the first ones.
            return string.IsNullOrEmpty(record.SourceSha256)
                ? "a source deploy from git is not resumed (the branch may have moved since the first hosts built it)"
                : null;
        }

        return string.IsNullOrEmpty(record.ArtifactSha256) || string.IsNullOrEmpty(record.ReleaseId)
            ? "the build had not finished, so there is no release to deliver"
            : null;
    }

    /// <summary>
    /// A host that ran its step, as the rollout sees it. A deploy's host carries no detail, as its previous
    /// release is not stored: should it have to go back (<c>rollback: all</c>), it goes to the one it knows
    /// as its previous. A fleet operation's host carries the release it was left on.
    /// </summary>
    private static HostOutcome Outcome(HostStatus row, StepKind step)
    {
        var ok = row.State == StepState.Succeeded;
        var result = new StepResult { Ok = ok, Error = ok ? "" : row.Message };
        if (step != StepKind.Activate)
        {
            result.Control = new AppControlOutput { ReleaseId = row.ReleaseId };
        }

        return new HostOutcome(row.Host, ok, result);
    }
}
