using Akd.Contracts.V1;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// What to do with a deployment the coordinator's restart interrupted, once its hosts' late results are
/// in: resume the rollout on the hosts it had not reached, or end it with each host's true state.
/// </summary>
/// <param name="Remaining">Hosts still to deploy to, in target order; empty when nothing is left to do.</param>
/// <param name="CannotResume">Why the rollout cannot go on; null when it can (or is done).</param>
public sealed record ResumePlan(IReadOnlyList<string> Remaining, string? CannotResume)
{
    /// <param name="hostsOnline">Whether a host is connected now.</param>
    public static ResumePlan For(Deployment record, Func<string, bool> hostsOnline)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(hostsOnline);
        if (record.Kind != DeploymentKinds.Deploy)
        {
            return new([], $"a {record.Kind} is not resumed");
        }

        if (record.Strategy == "source")
        {
            return new([], "a source deploy is not resumed (each host builds its own release)");
        }

        if (string.IsNullOrEmpty(record.ArtifactSha256) || string.IsNullOrEmpty(record.ReleaseId))
        {
            return new([], "the build had not finished, so there is no release to deliver");
        }

        var activate = record.Hosts.Where(h => h.Step == StepKinds.Activate).ToList();
        var unknown = activate.Where(h => h.State == StepStates.Running).Select(h => h.Host).ToList();
        if (unknown.Count > 0)
        {
            return new([], $"no result came from {string.Join(", ", unknown)} after the restart, so what it runs is unknown");
        }

        var failed = activate.Where(h => h.State == StepStates.Failed || h.State == StepStates.RolledBack).Select(h => h.Host).ToList();
        if (failed.Count > 0)
        {
            return new([], $"the step failed on {string.Join(", ", failed)}");
        }

        // Never run a step twice on a host: only hosts the rollout had not reached remain.
        var remaining = activate.Where(h => h.State == StepStates.Pending).Select(h => h.Host).ToList();
        var gone = remaining.Where(h => !hostsOnline(h)).ToList();
        if (gone.Count > 0)
        {
            return new(remaining, $"{string.Join(", ", gone)} did not come back after the restart");
        }

        return new(remaining, null);
    }
}
