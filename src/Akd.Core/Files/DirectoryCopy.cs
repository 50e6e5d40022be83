namespace Akd.Core.Files;

/// <summary>What a tree copy does with a symbolic link inside the tree. Either way the link is never followed.</summary>
public enum LinkCopy
{
    /// <summary>Left out: the copy holds only the tree's own files (a Hex archive copied for an app).</summary>
    Skip,

    /// <summary>Made again in the copy with the same target, a relative one staying relative (a release, a git checkout).</summary>
    Recreate,
}

/// <summary>
/// The one recursive directory copy of akd (releases into a running root, a previous release into a build, a
/// checkout into a release, Hex into an app's MIX_HOME). Files keep their permission bits (as <see cref="File.Copy(string, string)"/>
/// does: never set-id or sticky bits, which no release or checkout akd makes carries); directories are made anew.
/// Links inside the tree are never followed, so nothing outside it is read; the source directory itself may be reached
/// through a link, as its caller named it.
/// </summary>
public static class DirectoryCopy
{
    private static readonly IReadOnlySet<string> Nothing = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Copies what <paramref name="from"/> holds into <paramref name="to"/>, made if missing; a file already there is an
    /// error, not overwritten. Names in <paramref name="leaveOutAtTop"/> are not copied from the top level (.git, _build).
    /// A failure leaves what was copied so far: for a destination nobody may see half-made, use <see cref="CopyStaged"/>.
    /// </summary>
    public static void Copy(string from, string to, LinkCopy links, CancellationToken ct, IReadOnlySet<string>? leaveOutAtTop = null) =>
        CopyInto(new DirectoryInfo(from), to, links, leaveOutAtTop ?? Nothing, ct);

    /// <summary>
    /// Copies into <paramref name="staging"/> (a leftover of an earlier attempt removed first), then renames it to
    /// <paramref name="to"/>, which must not exist: readers of <paramref name="to"/> (a running VM, release_handler) see
    /// the whole tree or none. On any failure, cancellation included, the staging directory is removed and
    /// <paramref name="to"/> is not made. <paramref name="staging"/> must be on <paramref name="to"/>'s file system.
    /// </summary>
    public static void CopyStaged(string from, string to, string staging, LinkCopy links, CancellationToken ct)
    {
        Remove(staging);
        try
        {
            Copy(from, staging, links, ct);
            Directory.Move(staging, to);
        }
        catch
        {
            Remove(staging);
            throw;
        }
    }

    private static void CopyInto(DirectoryInfo from, string to, LinkCopy links, IReadOnlySet<string> leaveOut, CancellationToken ct)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in from.EnumerateFileSystemInfos())
        {
            ct.ThrowIfCancellationRequested();
            if (leaveOut.Contains(entry.Name))
            {
                continue;
            }

            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                if (links == LinkCopy.Recreate)
                {
                    File.CreateSymbolicLink(target, link);
                }
            }
            else if (entry is DirectoryInfo dir)
            {
                CopyInto(dir, target, links, Nothing, ct);
            }
            else
            {
                File.Copy(entry.FullName, target);
            }
        }
    }

    /// <summary>Links inside are unlinked, never followed.</summary>
    private static void Remove(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
