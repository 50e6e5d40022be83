using Akd.Agent.Artifacts;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Akd.Core.Archives;
using Akd.Core.Upgrades;

namespace Akd.Agent.Builds;

/// <summary>
/// The release the targets run, as the coordinator kept it, unpacked on the build host so a relup can be
/// made from it. Kept under <c>builds/APP/previous/SHA</c> (the newest one only) for the next build.
/// </summary>
internal static class PreviousReleaseFetch
{
    /// <returns>Null when the coordinator named none or it cannot be had; the build then says why.</returns>
    public static async Task<PreviousReleaseDir?> FetchAsync(
        BuildStep build, string app, ArtifactClient artifacts, AgentOptions options, StepReporter reporter, CancellationToken ct)
    {
        if (build.UpgradeFrom is not { Artifact: { } artifact } previous)
        {
            return null;
        }

        var parent = Path.Combine(options.DataDir, "builds", app, "previous");
        var root = Path.Combine(parent, artifact.Sha256);
        if (!File.Exists(Path.Combine(root, "bin", app)))
        {
            reporter.Phase(Phase.Previous, $"fetching release {previous.Version}, which the targets run, to make the relup from");
            try
            {
                var tarball = await artifacts.DownloadAsync(artifact, reporter.Log, ct).ConfigureAwait(false);
                if (Directory.Exists(parent))
                {
                    Directory.Delete(parent, recursive: true);
                }

                await using var file = File.OpenRead(tarball);
                await SafeExtractor.ExtractAsync(file, root, ct, options.UnpackLimits(file.Length)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is UnsafeArchiveException or InvalidDataException or IOException or StepFailedException or Grpc.Core.RpcException)
            {
                reporter.Log($"cannot use release {previous.Version} to make a relup from: {ex.Message}");
                return null;
            }
        }

        return new PreviousReleaseDir(root, previous.Version);
    }
}
