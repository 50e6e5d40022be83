namespace Akd.Agent.Artifacts;

/// <summary>
/// The agent's downloaded artifacts (<c>cache/artifacts/SHA256</c>) kept within a size budget. Releases
/// are unpacked into their deploy path, so a tarball is only worth keeping for a redeploy of the same
/// release (or a later batch of a rollout on a shared machine): least recently used goes first.
/// </summary>
public sealed class ArtifactCache(AgentOptions options, TimeProvider clock)
{
    /// <summary>An artifact used this recently may be about to be unpacked by a running step: never deleted.</summary>
    public static readonly TimeSpan InUseWindow = TimeSpan.FromMinutes(10);

    public string Dir => Path.Combine(options.DataDir, "cache", "artifacts");

    /// <summary>
    /// Deletes partial downloads untouched for <see cref="AgentOptions.ArtifactCachePartialMaxAge"/>, then the
    /// least recently used artifacts until the cache holds at most <see cref="AgentOptions.ArtifactCacheMaxBytes"/>.
    /// </summary>
    /// <returns>The names of the files deleted.</returns>
    public IReadOnlyList<string> Prune()
    {
        var dir = new DirectoryInfo(Dir);
        if (!dir.Exists)
        {
            return [];
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var deleted = new List<string>();
        var files = dir.EnumerateFiles().ToList();
        foreach (var partial in files.Where(f => f.Name.EndsWith(".part", StringComparison.Ordinal)))
        {
            if (now - partial.LastWriteTimeUtc > options.ArtifactCachePartialMaxAge && TryDelete(partial))
            {
                deleted.Add(partial.Name);
            }
        }

        var complete = files.Where(f => !f.Name.EndsWith(".part", StringComparison.Ordinal)).OrderBy(f => f.LastWriteTimeUtc).ToList();
        var total = complete.Sum(f => f.Length);
        foreach (var file in complete)
        {
            if (total <= options.ArtifactCacheMaxBytes)
            {
                break;
            }

            var length = file.Length;
            if (now - file.LastWriteTimeUtc > InUseWindow && TryDelete(file))
            {
                total -= length;
                deleted.Add(file.Name);
            }
        }

        return deleted;
    }

    private static bool TryDelete(FileInfo file)
    {
        try
        {
            file.Delete();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
