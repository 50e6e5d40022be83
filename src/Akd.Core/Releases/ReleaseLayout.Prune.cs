using System.Security.Cryptography;

namespace Akd.Core.Releases;

public sealed partial class ReleaseLayout
{
    /// <summary>
    /// Deletes releases older than the <paramref name="keep"/> newest, except those in
    /// <paramref name="protect"/> and the current one, which stay even when that means keeping more.
    /// </summary>
    /// <returns>The removed ids, oldest first.</returns>
    public IReadOnlyList<string> Prune(int keep, IEnumerable<string> protect)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        ArgumentNullException.ThrowIfNull(protect);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("release layouts use Unix symlinks and modes");
        }

        var kept = new HashSet<string>(protect, StringComparer.Ordinal);
        if (CurrentReleaseId() is { } current)
        {
            kept.Add(current);
        }

        var releases = ListReleases();
        var removed = new List<string>();
        foreach (var id in releases.Take(Math.Max(0, releases.Count - keep)))
        {
            if (kept.Contains(id))
            {
                continue;
            }

            // Renamed out of sight first, so a deletion cut short never leaves a half release listed.
            var doomed = Path.Join(ReleasesDir, $".{id}.deleting-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
            Directory.Move(ReleaseDir(id), doomed);
            TreeRemover.Delete(doomed);
            removed.Add(id);
        }

        return removed;
    }
}
