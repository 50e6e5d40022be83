using Akd.Contracts.V1;
using Akd.Core.Archives;
using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Core.Upgrades;

namespace Akd.Cli;

/// <summary>
/// The local-build half of <c>deploy.upgrade: hot | auto</c>: asks the coordinator which release the targets
/// run and unpacks it here, so the local build makes its appups and relup from it the way a build agent does.
/// </summary>
internal sealed class LocalUpgradeBase : IDisposable
{
    private readonly string? _workDir;

    private LocalUpgradeBase(UpgradeMode mode, PreviousReleaseDir? from, string? missing, string? workDir)
    {
        Mode = mode;
        From = from;
        Missing = missing;
        _workDir = workDir;
    }

    public UpgradeMode Mode { get; }

    /// <summary>The release the targets run, unpacked; null when there is none (then <see cref="Missing"/> says why).</summary>
    public PreviousReleaseDir? From { get; }

    public string? Missing { get; }

    public static async Task<LocalUpgradeBase> FetchAsync(
        CliContext context, AppManifest manifest, DeployRequest deploy, Action<string> note, CancellationToken ct)
    {
        var mode = manifest.Deploy.Upgrade;
        if (mode == UpgradeMode.Restart)
        {
            return new LocalUpgradeBase(mode, null, null, null);
        }

        var answer = await context.Control.GetUpgradeBaseAsync(new UpgradeBaseRequest
        {
            ManifestYaml = deploy.ManifestYaml,
            ManifestPath = deploy.ManifestPath,
            Environment = deploy.Environment,
            DefaultApp = deploy.DefaultApp,
        }, cancellationToken: ct).ConfigureAwait(false);
        if (answer.Release is not { } release)
        {
            return new LocalUpgradeBase(mode, null, answer.Missing, null);
        }

        note($"fetching release {release.Version}, which the targets run, to make the relup from");
        var workDir = Path.Combine(Path.GetTempPath(), $"akd-upgrade-base-{Guid.NewGuid():N}");
        try
        {
            var tarball = await context.Transfer.DownloadAsync(release.Artifact, Path.Combine(workDir, "download"), _ => { }, ct).ConfigureAwait(false);
            var root = Path.Combine(workDir, "release");
            await using (var file = File.OpenRead(tarball))
            {
                await SafeExtractor.ExtractAsync(file, root, ct, ExtractionLimits.ForArchive(file.Length)).ConfigureAwait(false);
            }

            File.Delete(tarball);
            return new LocalUpgradeBase(mode, new PreviousReleaseDir(root, release.Version), null, workDir);
        }
        catch (Exception ex) when (ex is UnsafeArchiveException or InvalidDataException or IOException)
        {
            Directory.Delete(workDir, recursive: true);
            return new LocalUpgradeBase(mode, null, $"cannot use release {release.Version} to make a relup from: {ex.Message}", null);
        }
    }

    /// <summary>What the coordinator tells the targets; null for <c>restart</c>.</summary>
    public static UpgradePlan? PlanFor(BuiltRelease built, AppManifest manifest) =>
        BuildUpgrade.Report(built, manifest) is { } upgrade ? new UpgradePlan { RelupFrom = upgrade.RelupFrom ?? "", Blockers = { upgrade.Blockers } } : null;

    public void Dispose()
    {
        if (_workDir is not null && Directory.Exists(_workDir))
        {
            Directory.Delete(_workDir, recursive: true);
        }
    }
}
