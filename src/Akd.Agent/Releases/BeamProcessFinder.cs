using System.Runtime.InteropServices;

namespace Akd.Agent.Releases;

/// <summary>
/// Finds a release's VM from /proc instead of asking the node: <c>bin/APP pid</c> boots a second VM
/// for one RPC, a few hundred milliseconds of CPU per host on every deploy. The VM is the
/// <c>beam.smp</c> whose <c>-root</c> is the release directory and whose <c>-sname</c>/<c>-name</c>
/// is the node name the release was started with.
/// </summary>
internal static partial class BeamProcessFinder
{
    public static int? Find(string releaseDir, string node)
    {
        var root = RealPath(releaseDir);
        if (root is null)
        {
            return null;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // it ended while we looked, or is not ours to read
            }

            if (args[0].EndsWith("/beam.smp", StringComparison.Ordinal)
                && ValueOf(args, "-root") == root
                && (ValueOf(args, "-sname") ?? ValueOf(args, "-name")) == node
                && ProcessSignals.IsAlive(pid))
            {
                return pid;
            }
        }

        return null;
    }

    private static string? ValueOf(string[] args, string flag)
    {
        var at = Array.IndexOf(args, flag);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    /// <summary>The release script computes its root with <c>pwd -P</c>, so compare physical paths.</summary>
    private static string? RealPath(string path)
    {
        var resolved = Resolve(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr Resolve(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);
}
