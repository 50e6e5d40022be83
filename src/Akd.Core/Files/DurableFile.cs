using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Akd.Core.Files;

/// <summary>
/// Small state files that must survive a crash or power loss whole: written to a temporary file in
/// the same directory, flushed to disk, renamed over the old one, and the directory flushed too, so
/// after a crash the file is either the old version or the new one, never empty or torn.
/// </summary>
public static partial class DurableFile
{
    private const int ReadOnly = 0; // O_RDONLY
    private const int Directory = 0x10000; // O_DIRECTORY on Linux

    /// <summary>Replaces <paramref name="path"/> atomically with <paramref name="content"/>, created with <paramref name="mode"/>.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        ArgumentNullException.ThrowIfNull(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        System.IO.Directory.CreateDirectory(directory);
        var temporary = Path.Join(directory, $".{Path.GetFileName(path)}.{RandomNumberGenerator.GetHexString(12, lowercase: true)}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
            };
            using (var file = new FileStream(temporary, options))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temporary, mode); // the umask may have narrowed the create mode
            File.Move(temporary, path, overwrite: true);
            SyncDirectory(directory);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// fsync(2) of a directory, which makes a rename, link or new file in it durable; a file's own
    /// flush does not cover its directory entry.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = open(directory, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory '{directory}' to flush it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"cannot flush directory '{directory}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
