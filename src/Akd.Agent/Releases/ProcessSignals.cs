using System.Runtime.InteropServices;

namespace Akd.Agent.Releases;

/// <summary>Watching and signalling app processes by pid (they are not our children: they daemonized).</summary>
internal static partial class ProcessSignals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    public static void Send(int pid, int signal) => _ = Kill(pid, signal);

    /// <summary>How often a pid is looked for while waiting: a glance at /proc is cheap, and a stop waits on it.</summary>
    private static readonly TimeSpan ExitPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Whether <paramref name="pid"/> is gone within <paramref name="timeout"/> on <paramref name="clock"/>.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        while (clock.GetElapsedTime(started) < timeout)
        {
            if (!IsAlive(pid))
            {
                return true;
            }

            await Task.Delay(ExitPoll, clock, ct).ConfigureAwait(false);
        }

        return !IsAlive(pid);
    }

    /// <summary>SIGKILL, for a VM that ignored every graceful way to stop; waits up to <paramref name="wait"/> for it to be gone.</summary>
    public static async Task KillAsync(int pid, TimeSpan wait, TimeProvider clock, Action<string> log, CancellationToken ct)
    {
        log($"pid {pid} ignored SIGTERM and stop; sending SIGKILL");
        Send(pid, SigKill);
        await WaitForExitAsync(pid, wait, clock, ct).ConfigureAwait(false);
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
