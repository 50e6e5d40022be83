using System.Runtime.InteropServices;

namespace Akd.Agent.Sandbox;

/// <summary>
/// Owners and modes of what an app may read or write. Needs CAP_CHOWN (or root) to give files to another
/// user or group; never CAP_DAC_OVERRIDE: files an app made are taken back by chown before they are removed.
/// </summary>
internal static partial class FileOwnership
{
    private const UnixFileMode UserBits = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>lchown(2): the link itself, never what it points to.</summary>
    public static void Chown(string path, int uid, int gid)
    {
        if (lchown(path, uid, gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot chown '{path}' to {uid}:{gid}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>A directory owned by <paramref name="uid"/>:<paramref name="gid"/> with <paramref name="mode"/>, made if missing.</summary>
    public static void Directory(string path, int uid, int gid, UnixFileMode mode)
    {
        System.IO.Directory.CreateDirectory(path);

        // The mode first: once the directory belongs to another user, only its owner (or CAP_FOWNER) may change it.
        File.SetUnixFileMode(path, mode);
        Chown(path, uid, gid);
    }

    /// <summary>
    /// Every entry under <paramref name="root"/> (and <paramref name="root"/>) gets group <paramref name="gid"/>, with
    /// the group allowed to read what the owner may read and run what the owner may run, never to write, and others
    /// nothing (nor set-id bits): the app reads its release, only the agent changes it.
    /// </summary>
    public static void ShareReadOnly(string root, int gid)
    {
        Share(new DirectoryInfo(root), gid);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            Share(entry, gid);
        }
    }

    /// <summary>
    /// Takes a tree an app wrote back for the agent (chown, then descend, so nothing needs CAP_DAC_OVERRIDE),
    /// so the agent can remove it.
    /// </summary>
    public static void Reclaim(string path, int uid, int gid)
    {
        var info = new DirectoryInfo(path);
        if (!info.Exists || info.LinkTarget is not null)
        {
            return;
        }

        Chown(path, uid, gid);
        File.SetUnixFileMode(path, UserBits);
        foreach (var entry in info.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            if (entry is DirectoryInfo { LinkTarget: null })
            {
                Reclaim(entry.FullName, uid, gid);
            }
            else
            {
                Chown(entry.FullName, uid, gid);
            }
        }
    }

    /// <summary>
    /// Gives a tree to an app's user: children first, so the agent can still enter each directory it chowns.
    /// A tree the user already owns is left as it is (the app's own logs of an earlier run).
    /// </summary>
    public static void Give(string path, int uid, int gid)
    {
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null || Owner(path) == uid)
        {
            return;
        }

        foreach (var entry in info.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            if (entry is DirectoryInfo { LinkTarget: null })
            {
                Give(entry.FullName, uid, gid);
            }
            else
            {
                Chown(entry.FullName, uid, gid);
            }
        }

        File.SetUnixFileMode(path, UserBits);
        Chown(path, uid, gid);
    }

    /// <summary>The owner's uid (statx(2): .NET's file status has no owner), not following a link.</summary>
    public static int Owner(string path)
    {
        var buffer = new byte[256];
        if (statx(-100 /* AT_FDCWD */, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x8 /* STATX_UID */, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot stat '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        // struct statx: stx_uid is the u32 at offset 0x14 on every Linux architecture.
        return (int)BitConverter.ToUInt32(buffer, 0x14);
    }

    private static void Share(FileSystemInfo entry, int gid)
    {
        if (entry.LinkTarget is not null)
        {
            Chown(entry.FullName, -1, gid);
            return;
        }

        var mode = entry.UnixFileMode;
        var group = ((mode & UnixFileMode.UserRead) != 0 ? UnixFileMode.GroupRead : 0)
            | ((mode & UnixFileMode.UserExecute) != 0 ? UnixFileMode.GroupExecute : 0);
        var wanted = (mode & UserBits) | group;
        if (wanted != mode)
        {
            try
            {
                entry.UnixFileMode = wanted;
            }
            catch (UnauthorizedAccessException)
            {
                // A file the app's VM wrote (releases/RELEASES): only its owner, or CAP_FOWNER, may change its mode.
            }
        }

        Chown(entry.FullName, -1, gid);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string pathname, int flags, uint mask, byte[] buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int owner, int group);
}
