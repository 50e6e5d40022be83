using System.Security.Cryptography;

namespace Akd.Agent.Builds;

/// <summary>
/// Files unpacked from an uploaded working tree keep the mtimes they had on the developer's machine,
/// while Mix decides what to recompile (and whether to rewrite the .app file with the version) by
/// comparing mtimes with its previous build in the kept <c>_build</c>. A file changed since that
/// build but older than it would be skipped, and the release would ship stale code under a new
/// version. So every file whose content differs from the previous source gets the current time.
/// </summary>
internal static class SourceFreshness
{
    /// <summary>Relative path → SHA-256 of every regular file outside the kept top-level directories.</summary>
    public static Dictionary<string, string> Fingerprint(string dir, IReadOnlySet<string> skip)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Files(dir, skip))
        {
            hashes[Path.GetRelativePath(dir, file)] = Hash(file);
        }

        return hashes;
    }

    /// <param name="clock">The agent's clock, whose now the changed files get.</param>
    /// <returns>How many files were new or changed.</returns>
    public static int TouchChanged(string dir, IReadOnlyDictionary<string, string> before, IReadOnlySet<string> skip, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var touched = 0;
        foreach (var file in Files(dir, skip))
        {
            if (!before.TryGetValue(Path.GetRelativePath(dir, file), out var hash) || hash != Hash(file))
            {
                File.SetLastWriteTimeUtc(file, now);
                touched++;
            }
        }

        return touched;
    }

    private static IEnumerable<string> Files(string dir, IReadOnlySet<string> skip)
    {
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        return new DirectoryInfo(dir).EnumerateDirectories()
            .Where(d => !skip.Contains(d.Name) && d.LinkTarget is null)
            .SelectMany(d => d.EnumerateFiles("*", options))
            .Concat(new DirectoryInfo(dir).EnumerateFiles("*", new EnumerationOptions { AttributesToSkip = FileAttributes.ReparsePoint }))
            .Select(f => f.FullName);
    }

    private static string Hash(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
