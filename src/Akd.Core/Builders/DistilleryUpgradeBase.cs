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
    public static (IReadOnlyList<string> Args, UpgradeFacts? Facts) Prepare(BuildContext context, string releaseDir, Action<OutputLine> log)
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

        CopyTree(oldVersionDir, Path.Combine(releaseDir, "releases", previous.Version), replace: true);
        var placed = 0;
        foreach (var lib in Directory.EnumerateDirectories(Path.Combine(previous.Root, "lib")))
        {
            var target = Path.Combine(releaseDir, "lib", Path.GetFileName(lib));
            if (!Directory.Exists(target))
            {
                CopyTree(lib, target, replace: false);
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

    private static void CopyTree(string source, string target, bool replace)
    {
        if (replace && Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.CreateDirectory(target);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var to = Path.Combine(target, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(to, link);
            }
            else if (entry is DirectoryInfo dir)
            {
                CopyTree(dir.FullName, to, replace: false);
            }
            else
            {
                File.Copy(entry.FullName, to, overwrite: true);
                File.SetUnixFileMode(to, File.GetUnixFileMode(entry.FullName));
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{\s*sasl\s*,")]
    private static partial System.Text.RegularExpressions.Regex Sasl();
}
