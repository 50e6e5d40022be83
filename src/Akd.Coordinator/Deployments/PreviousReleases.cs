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
        var running = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var host in plan.Targets)
        {
            var release = await deployments.LastKnownReleaseAsync(plan.Manifest.App, plan.Environment, host, ct).ConfigureAwait(false);
            (running.TryGetValue(release, out var hosts) ? hosts : running[release] = []).Add(host);
        }

        if (running.TryGetValue("", out var unknown))
        {
            build.UpgradeFromMissing = $"no previous release known on {string.Join(", ", unknown.Order(StringComparer.Ordinal))}";
            return;
        }

        if (running.Count != 1)
        {
            build.UpgradeFromMissing = $"the targets run different releases ({string.Join(", ", running.Keys.Order(StringComparer.Ordinal))})";
            return;
        }

        var releaseId = running.Keys.Single();
        if (await deployments.FindBuildAsync(plan.Manifest.App, releaseId, ct).ConfigureAwait(false) is not { } found)
        {
            build.UpgradeFromMissing = $"the artifact of {releaseId} is not known to the coordinator";
            return;
        }

        if (artifacts?.SizeOf(found.Artifact) is not { } size)
        {
            build.UpgradeFromMissing = $"the artifact of {releaseId} is no longer stored";
            return;
        }

        build.UpgradeFrom = new PreviousRelease { Artifact = new ArtifactRef { Sha256 = found.Artifact, Size = size }, Version = found.Version };
    }
}
