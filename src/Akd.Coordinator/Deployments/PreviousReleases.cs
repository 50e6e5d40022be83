using Akd.Contracts.V1;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// For <c>deploy.upgrade: hot | auto</c>: the release every target runs, which the build agent makes the
/// relup from. The coordinator still holds its artifact: an artifact sweep keeps what hosts run
/// (<see cref="DeploymentStore.ArtifactsInUseAsync"/>).
/// </summary>
internal static class PreviousReleases
{
    public static async Task FillAsync(BuildStep build, DeploymentStore deployments, ArtifactStore? artifacts, DeploymentPlan plan, CancellationToken ct)
    {
        var found = await FindAsync(plan.Manifest.App, plan.Environment, plan.Targets, deployments, artifacts, ct).ConfigureAwait(false);
        build.UpgradeFrom = found.Release;
        build.UpgradeFromMissing = found.Missing;
    }

    /// <summary>The release every one of <paramref name="targets"/> runs, with its stored artifact, or why there is none.</summary>
    public static async Task<UpgradeBase> FindAsync(
        string app, string environment, IEnumerable<string> targets, DeploymentStore deployments, ArtifactStore? artifacts, CancellationToken ct)
    {
        var running = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var host in targets)
        {
            var release = await deployments.LastKnownReleaseAsync(app, environment, host, ct).ConfigureAwait(false);
            (running.TryGetValue(release, out var hosts) ? hosts : running[release] = []).Add(host);
        }

        if (running.TryGetValue("", out var unknown))
        {
            return Missing($"no previous release known on {string.Join(", ", unknown.Order(StringComparer.Ordinal))}");
        }

        if (running.Count != 1)
        {
            return Missing(running.Count == 0
                ? "no target to upgrade"
                : $"the targets run different releases ({string.Join(", ", running.Keys.Order(StringComparer.Ordinal))})");
        }

        var releaseId = running.Keys.Single();
        if (await deployments.FindBuildAsync(app, releaseId, ct).ConfigureAwait(false) is not { } found)
        {
            return Missing($"the artifact of {releaseId} is not known to the coordinator");
        }

        if ((artifacts is null ? null : await artifacts.SizeOfAsync(found.Artifact, ct).ConfigureAwait(false)) is not { } size)
        {
            return Missing($"the artifact of {releaseId} is no longer stored");
        }

        return new UpgradeBase { Release = new PreviousRelease { Artifact = new ArtifactRef { Sha256 = found.Artifact, Size = size }, Version = found.Version } };
    }

    private static UpgradeBase Missing(string why) => new() { Missing = why };
}
