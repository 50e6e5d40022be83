using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Akd.Core.Archives;

internal enum UnixFileType
{
    Regular,
    Directory,
    Symlink,

    /// <summary>FIFO, socket or device: never archived, since opening a FIFO would block forever.</summary>
    Other,
}

internal readonly record struct UnixFileStatus(UnixFileType Type, UnixFileMode Mode, DateTimeOffset ModifiedAt);

/// <summary>
/// lstat(2) for the archiver. .NET reports FIFOs and devices as ordinary files and follows links
/// for modes and times, so the file type comes from statx(2), whose layout is the same on every
/// Linux architecture (unlike struct stat).
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class UnixStat
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int ModeOffset = 0x1c;
    private const int MtimeOffset = 0x70;
    private const int FileTypeMask = 0xF000;

    private static bool s_statxMissing;

    public static UnixFileStatus Lstat(string path)
    {
        if (!s_statxMissing)
        {
            var buffer = new byte[StatxSize];
            try
            {
                if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) == 0)
                {
                    return FromStatx(buffer);
                }

                var errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case 2: // ENOENT
                    case 20: // ENOTDIR: a parent is a file, so the path cannot exist either
                        throw new FileNotFoundException($"cannot stat '{path}': no such file", path);
                    case 38: // ENOSYS: old kernel or a seccomp filter; fall back below.
                        break;
                    default:
                        throw new IOException($"cannot stat '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
                }
            }
            catch (EntryPointNotFoundException)
            {
            }

            s_statxMissing = true;
        }

        return FromFileSystemInfo(path);
    }

    public static bool TryLstat(string path, out UnixFileStatus status)
    {
        try
        {
            status = Lstat(path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            status = default;
            return false;
        }
    }

    private static UnixFileStatus FromStatx(byte[] buffer)
    {
        int mode = BitConverter.ToUInt16(buffer, ModeOffset);
        var type = (mode & FileTypeMask) switch
        {
            0x8000 => UnixFileType.Regular,
            0x4000 => UnixFileType.Directory,
            0xA000 => UnixFileType.Symlink,
            _ => UnixFileType.Other,
        };
        var seconds = BitConverter.ToInt64(buffer, MtimeOffset);
        var nanos = BitConverter.ToUInt32(buffer, MtimeOffset + 8);
        var mtime = DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(nanos / 100);
        return new UnixFileStatus(type, (UnixFileMode)(mode & 0xFFF), mtime);
    }

    private static UnixFileStatus FromFileSystemInfo(string path)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            throw new FileNotFoundException($"cannot stat '{path}'", path);
        }

        var type = info.LinkTarget is not null ? UnixFileType.Symlink
            : info is DirectoryInfo ? UnixFileType.Directory
            : UnixFileType.Regular;
        var mode = type == UnixFileType.Symlink ? (UnixFileMode)0x1FF : info.UnixFileMode;
        return new UnixFileStatus(type, mode, new DateTimeOffset(info.LastWriteTimeUtc));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, string pathname, int flags, uint mask, byte[] statxbuf);
}
