using Akd.Core.Files;
using Akd.Core.Manifest;
using Akd.Core.Processes;
using Akd.Core.Upgrades;

namespace Akd.Core.Builders;

/// <summary>
/// The build half of <c>deploy.upgrade: hot | auto</c> for distillery: <c>mix distillery.release --upgrade
/// --upfrom=OLD</c> makes the appups and the relup itself, from the old release it expects in its output
/// directory (<c>_build/ENV/rel/APP/releases/OLD</c> and OLD's applications in <c>lib/</c>). The release the
/// targets run is put there from what the coordinator kept, whatever an earlier build left.
/// </summary>
internal static partial class DistilleryUpgradeBase
{
    /// <summary>What to add to <c>mix distillery.release</c>, and the facts when no upgrade is built (null otherwise).</summary>
    public static (IReadOnlyList<string> Args, UpgradeFacts? Facts) Prepare(BuildContext context, string releaseDir, Action<OutputLine> log, CancellationToken ct)
    {
        if (context.Upgrade == UpgradeMode.Restart)
        {
            return ([], null);
        }

        if (context.UpgradeFrom is not { } previous)
        {
            return ([], Blocked(context.UpgradeFromMissing ?? "no previous release known", log));
        }

        if (MixProject.TryRead(context.ProjectDir)?.Version is { } next && next == previous.Version)
        {
            return ([], Blocked($"the new release has the version the targets run ({next}): distillery upgrades between versions", log));
        }

        var oldVersionDir = Path.Combine(previous.Root, "releases", previous.Version);
        if (!Directory.Exists(oldVersionDir))
        {
            return ([], Blocked($"the release the targets run holds no releases/{previous.Version}", log));
        }

        // release_handler, which applies the relup in the running node, is part of sasl.
        var oldRel = Path.Combine(oldVersionDir, $"{context.Manifest.App}.rel");
        if (!File.Exists(oldRel) || !Sasl().IsMatch(File.ReadAllText(oldRel)))
        {
            return ([], Blocked("the running release has no sasl (release_handler): add :sasl to extra_applications", log));
        }

        // As in a hot upgrade's install: the copy would follow lib/NAME itself, and a release made by mix has no links
        // there; refused before anything is placed.
        var libs = new DirectoryInfo(Path.Combine(previous.Root, "lib")).GetDirectories();
        if (libs.FirstOrDefault(lib => lib.LinkTarget is not null) is { } linked)
        {
            throw new BuildFailedException($"release {previous.Version} has lib/{linked.Name} as a symbolic link (to {linked.LinkTarget}): a release's applications must be directories");
        }

        // Whatever an earlier build left there gives way to the release the targets run; links stay links, files keep their modes.
        var oldVersionTarget = Path.Combine(releaseDir, "releases", previous.Version);
        if (Directory.Exists(oldVersionTarget))
        {
            Directory.Delete(oldVersionTarget, recursive: true);
        }

        DirectoryCopy.Copy(oldVersionDir, oldVersionTarget, LinkCopy.Recreate, ct);
        var placed = 0;
        foreach (var lib in libs.Select(lib => lib.FullName))
        {
            var target = Path.Combine(releaseDir, "lib", Path.GetFileName(lib));
            if (!Directory.Exists(target))
            {
                DirectoryCopy.Copy(lib, target, LinkCopy.Recreate, ct);
                placed++;
            }
        }

        log(new OutputLine("agent", $"placed release {previous.Version}, which the targets run, at {Path.Combine(releaseDir, "releases", previous.Version)} " +
            $"({placed} application folder(s) added to lib/) for mix distillery.release --upgrade --upfrom={previous.Version}"));
        return (["--upgrade", $"--upfrom={previous.Version}"], null);
    }

    /// <summary>After a successful <c>--upgrade</c> build: the relup distillery wrote is what the targets apply.</summary>
    public static UpgradeFacts Facts(BuildContext context, string releaseDir, string version, Action<OutputLine> log)
    {
        var from = context.UpgradeFrom!.Version;
        if (File.Exists(Path.Combine(releaseDir, "releases", version, "relup")))
        {
            log(new OutputLine("agent", $"relup {from} -> {version} written by distillery to releases/{version}/relup"));
            return new UpgradeFacts(from, []);
        }

        return Blocked($"distillery wrote no releases/{version}/relup", log);
    }

    public static UpgradeFacts Blocked(string why, Action<OutputLine> log)
    {
        log(new OutputLine("agent", $"no hot upgrade: {why}"));
        return new UpgradeFacts(null, [why]);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{\s*sasl\s*,")]
    private static partial System.Text.RegularExpressions.Regex Sasl();
}
