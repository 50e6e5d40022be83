using System.Security.Cryptography;
using Akd.Core.Files;

namespace Akd.Core.Releases;

/// <summary>
/// The capistrano layout of one app on a host: <c>releases/&lt;id&gt;</c>, a relative
/// <c>current</c> symlink switched atomically, <c>shared/</c> that survives releases, and
/// <c>revisions.log</c>. Meant for a single writer (the agent) per root.
/// </summary>
public sealed partial class ReleaseLayout
{
    private const string ReleasesDirName = "releases";

    public ReleaseLayout(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    public string Root { get; }

    public string ReleasesDir => Path.Join(Root, ReleasesDirName);

    public string CurrentLink => Path.Join(Root, "current");

    public string SharedDir => Path.Join(Root, "shared");

    public string RevisionsLog => Path.Join(Root, "revisions.log");

    public string EnvFile => Path.Join(SharedDir, ".env");

    public void EnsureCreated()
    {
        Directory.CreateDirectory(ReleasesDir);
        Directory.CreateDirectory(SharedDir);
    }

    /// <summary>The directory of a release; the id must be one plain path segment.</summary>
    public string ReleaseDir(string releaseId)
    {
        if (!ReleaseId.IsValidPathSegment(releaseId))
        {
            throw new ArgumentException($"invalid release id '{releaseId}'", nameof(releaseId));
        }

        return Path.Join(ReleasesDir, releaseId);
    }

    /// <summary>
    /// The release <c>current</c> points to, or null when there is no <c>current</c> yet. Absolute
    /// targets are accepted too, since capistrano itself writes absolute links.
    /// </summary>
    /// <exception cref="IOException"><c>current</c> is not a symlink into <c>releases/</c>.</exception>
    public string? CurrentReleaseId()
    {
        var link = new FileInfo(CurrentLink);
        var target = link.LinkTarget;
        if (target is null)
        {
            return Path.Exists(CurrentLink)
                ? throw new IOException($"'{CurrentLink}' exists but is not a symbolic link")
                : null;
        }

        var full = Path.GetFullPath(target.TrimEnd('/'), Root);
        var id = Path.GetFileName(full);
        if (Path.GetDirectoryName(full) != ReleasesDir || !ReleaseId.IsValidPathSegment(id))
        {
            throw new IOException($"'{CurrentLink}' points to '{target}', which is not a release in '{ReleasesDir}'");
        }

        return id;
    }

    /// <summary>
    /// Points <c>current</c> at a release by creating a new relative link and renaming it over
    /// the old one, so readers see either the old or the new release and never a missing link.
    /// </summary>
    public void SwitchCurrent(string releaseId)
    {
        var dir = ReleaseDir(releaseId);
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"release '{releaseId}' does not exist in '{ReleasesDir}'");
        }

        var temporary = Path.Join(Root, $"current.{RandomNumberGenerator.GetHexString(12, lowercase: true)}.tmp");
        File.CreateSymbolicLink(temporary, ReleasesDirName + "/" + releaseId);
        try
        {
            NativeMethods.Rename(temporary, CurrentLink);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        // The switch is what revisions.log and the coordinator are told about: make it survive a power loss.
        DurableFile.SyncDirectory(Root);
    }

    /// <summary>
    /// Removes the <c>current</c> link (never a directory or file of that name), so the host is back to
    /// having no release in service: what a failed first deploy leaves behind. Releases stay on disk.
    /// </summary>
    /// <exception cref="IOException"><c>current</c> exists but is not a symbolic link.</exception>
    public void RemoveCurrent()
    {
        var link = new FileInfo(CurrentLink);
        if (link.LinkTarget is not null)
        {
            link.Delete();
        }
        else if (Path.Exists(CurrentLink))
        {
            throw new IOException($"'{CurrentLink}' exists but is not a symbolic link; left alone");
        }
    }

    /// <summary>The release before <c>current</c> in <see cref="ListReleases"/> order: the rollback target.</summary>
    public string? PreviousReleaseId()
    {
        var current = CurrentReleaseId();
        if (current is null)
        {
            return null;
        }

        var releases = SortedReleases();
        var index = releases.IndexOf(current);
        return index > 0 ? releases[index - 1] : null;
    }

    /// <summary>
    /// Release ids, oldest first by the time in the id; ids that do not parse are placed by their
    /// directory's mtime. Names starting with '.' (work in progress, deletions) are not releases.
    /// </summary>
    public IReadOnlyList<string> ListReleases() => SortedReleases();

    private List<string> SortedReleases()
    {
        if (!Directory.Exists(ReleasesDir))
        {
            return [];
        }

        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false };
        return new DirectoryInfo(ReleasesDir)
            .EnumerateDirectories("*", options)
            .Where(dir => dir.LinkTarget is null && ReleaseId.IsValidPathSegment(dir.Name))
            .Select(dir => (dir.Name, At: ReleaseId.TryParse(dir.Name, out _, out var at)
                ? at
                : new DateTimeOffset(dir.LastWriteTimeUtc)))
            .OrderBy(release => release.At)
            .ThenBy(release => release.Name, StringComparer.Ordinal)
            .Select(release => release.Name)
            .ToList();
    }
}
