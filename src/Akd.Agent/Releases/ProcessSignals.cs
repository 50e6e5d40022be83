using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Akd.Agent.Releases;

/// <summary>Watching and signalling app processes by pid (they are not our children: they daemonized).</summary>
internal static partial class ProcessSignals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    public static void Send(int pid, int signal) => _ = Kill(pid, signal);

    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (!IsAlive(pid))
            {
                return true;
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        return !IsAlive(pid);
    }

    /// <summary>SIGKILL, for a VM that ignored every graceful way to stop; waits a little for it to be gone.</summary>
    public static async Task KillAsync(int pid, Action<string> log, CancellationToken ct)
    {
        log($"pid {pid} ignored SIGTERM and stop; sending SIGKILL");
        Send(pid, SigKill);
        await WaitForExitAsync(pid, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
