using Akd.Contracts.V1;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Storage;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// <c>akdctl deploy</c> with strategy local-build and <c>deploy.upgrade: hot | auto</c> asks, before it builds,
/// which release the manifest's targets run, so it can make the relup from it as a build agent would.
/// The same rule as a remote build's (<see cref="PreviousReleases"/>); changes nothing.
/// </summary>
public sealed class UpgradeBaseLookup(TargetResolver targets, DeploymentStore deployments, ArtifactStore artifacts)
{
    public async Task<UpgradeBase> RunAsync(UpgradeBaseRequest request, CancellationToken ct)
    {
        var manifest = DeploymentPlanner.ParseManifest(request.ManifestYaml, request.ManifestPath, request.Environment, request.DefaultApp);
        if (manifest.Deploy.Upgrade == UpgradeMode.Restart)
        {
            return new UpgradeBase { Missing = "deploy.upgrade is restart" };
        }

        // The hosts a deploy would go to now: the online ones (a deploy with offline targets needs --skip-offline).
        var resolved = await targets.ResolveAsync(manifest.Deploy.To, ct).ConfigureAwait(false);
        return await PreviousReleases.FindAsync(manifest.App, request.Environment, resolved.Online, deployments, artifacts, ct).ConfigureAwait(false);
    }
}
