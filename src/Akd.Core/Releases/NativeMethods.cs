using System.Runtime.InteropServices;

namespace Akd.Core.Releases;

internal static class NativeMethods
{
    /// <summary>
    /// rename(2), which replaces <paramref name="newPath"/> atomically. File.Move cannot be used for
    /// the <c>current</c> link: it refuses a source that is a symlink to a directory.
    /// </summary>
    public static void Rename(string oldPath, string newPath)
    {
        if (rename(oldPath, newPath) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot rename '{oldPath}' to '{newPath}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int rename(string oldpath, string newpath);
}
