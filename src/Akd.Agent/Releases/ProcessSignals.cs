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

    /// <summary>SIGTERM (the BEAM shuts down cleanly on it), then SIGKILL if it is still there.</summary>
    public static async Task TerminateAsync(int pid, Action<string> log, CancellationToken ct)
    {
        log($"pid {pid} still running; sending SIGTERM");
        Send(pid, SigTerm);
        if (await WaitForExitAsync(pid, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))
        {
            return;
        }

        log($"pid {pid} ignored SIGTERM; sending SIGKILL");
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
