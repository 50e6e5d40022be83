using Akd.Core.Files;

namespace Akd.Agent.Upgrades;

/// <summary>
/// Copies a new release version into a running release's root, where release_handler expects it:
/// <c>lib/APP-VSN</c> for each application directory the root lacks, and <c>releases/VSN</c>.
/// Directories the root already has are left alone: they are the running code, byte for byte.
/// </summary>
internal static class ReleaseInstaller
{
    /// <summary>
    /// Before a cold start of a release directory a VM was once hot-upgraded in: <c>make_permanent</c> rewrote its
    /// <c>releases/start_erl.data</c> (which <c>bin/APP</c> boots) to the newer version. Points it back at the
    /// directory's own version and removes <c>releases/RELEASES</c> (a hot upgrade of the new VM writes it afresh).
    /// </summary>
    /// <returns>The version start_erl.data named instead, or null when it already named <paramref name="vsn"/>.</returns>
    public static string? BootOwnVersion(string releaseDir, string vsn)
    {
        var startErl = Path.Combine(releaseDir, "releases", "start_erl.data");
        var parts = File.Exists(startErl) ? File.ReadAllText(startErl).Trim().Split(' ') : [];
        if (parts is not [var erts, var booted] || booted == vsn || !Directory.Exists(Path.Combine(releaseDir, "releases", vsn)))
        {
            return null;
        }

        Core.Files.DurableFile.Write(startErl, System.Text.Encoding.UTF8.GetBytes($"{erts} {vsn}\n"), File.GetUnixFileMode(startErl));
        File.Delete(Path.Combine(releaseDir, "releases", "RELEASES"));
        return booted;
    }

    /// <returns>The <c>lib/</c> directories that were added (relative names).</returns>
    public static IReadOnlyList<string> Install(string newRoot, string runningRoot, string vsn, CancellationToken ct)
    {
        var relup = Path.Combine(newRoot, "releases", vsn, "relup");
        if (!File.Exists(relup))
        {
            throw new HotUpgradeException($"release {vsn} holds no releases/{vsn}/relup: it was built without a previous release to upgrade from");
        }

        var added = new List<string>();
        // The copy never follows links inside a tree, but it would follow lib/NAME itself: a release made by mix has
        // only real directories there, so a link is refused (before anything is copied) rather than read through.
        var libs = new DirectoryInfo(Path.Combine(newRoot, "lib")).GetDirectories();
        if (libs.FirstOrDefault(lib => lib.LinkTarget is not null) is { } linked)
        {
            throw new HotUpgradeException($"release {vsn} has lib/{linked.Name} as a symbolic link (to {linked.LinkTarget}): a release's applications must be directories");
        }

        foreach (var lib in libs.Select(lib => lib.FullName))
        {
            var name = Path.GetFileName(lib);
            var target = Path.Combine(runningRoot, "lib", name);
            if (!Directory.Exists(target))
            {
                CopyTree(lib, target, ct);
                added.Add(name);
            }
        }

        // A failed attempt may have left it; this one's files win.
        var releaseDir = Path.Combine(runningRoot, "releases", vsn);
        if (Directory.Exists(releaseDir))
        {
            Directory.Delete(releaseDir, recursive: true);
        }

        CopyTree(Path.Combine(newRoot, "releases", vsn), releaseDir, ct);
        return added;
    }

    /// <summary>
    /// Staged beside the target, then renamed: release_handler never finds half an application. Links are copied as
    /// links (a release has none pointing out), files with their modes.
    /// </summary>
    private static void CopyTree(string source, string target, CancellationToken ct) =>
        DirectoryCopy.CopyStaged(source, target, target + ".akd-partial", LinkCopy.Recreate, ct);
}

/// <summary>A hot upgrade cannot be attempted or did not apply; the message says why.</summary>
internal sealed class HotUpgradeException(string message) : Exception(message);
