using System.Runtime.Versioning;
using Akd.Core.Archives;

namespace Akd.Core.Releases;

/// <summary>
/// Deletes a release tree that may hold read-only directories (a restored archive keeps its
/// modes) and symlinks, which are unlinked and never followed.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class TreeRemover
{
    private const UnixFileMode OwnerAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void Delete(string path)
    {
        if (!UnixStat.TryLstat(path, out var status))
        {
            return;
        }

        if (status.Type != UnixFileType.Directory)
        {
            File.Delete(path);
            return;
        }

        // Unlinking a child needs write and search permission on its directory.
        if ((status.Mode & OwnerAll) != OwnerAll)
        {
            File.SetUnixFileMode(path, status.Mode | OwnerAll);
        }

        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var child in Directory.GetFileSystemEntries(path, "*", options))
        {
            Delete(child);
        }

        Directory.Delete(path);
    }
}
