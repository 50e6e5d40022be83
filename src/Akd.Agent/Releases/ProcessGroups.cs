namespace Akd.Agent.Releases;

/// <summary>
/// Watching and signalling a whole process group. An app started in its own session leads its own
/// group, so signalling the group also reaches what the app spawned (port programs, a wrapper that
/// did not exec). Zombies do not count: once reparented away from the agent, nobody may reap them soon.
/// </summary>
internal static class ProcessGroups
{
    /// <summary>True when some live process belongs to group <paramref name="pgid"/>.</summary>
    public static bool IsAlive(int pgid)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat && stat.Pgrp == pgid && stat.State != 'Z')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="pid"/> is alive and leads its own session, as an app started with setsid does.</summary>
    public static bool IsSessionLeader(int pid) => Stat(pid) is { } stat && stat.Session == pid && stat.State != 'Z';

    /// <summary>Signals the group when <paramref name="pid"/> leads one, otherwise only the process.</summary>
    public static void Send(int pid, int signal)
    {
        var target = Stat(pid) is { } stat && stat.Pgrp == pid ? -pid : pid;
        ProcessSignals.Send(target, signal);
    }

    /// <summary>How often the group is looked for while waiting: each look reads every process's stat in /proc.</summary>
    private static readonly TimeSpan ExitPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether every process of group <paramref name="pgid"/> is gone within <paramref name="timeout"/> on <paramref name="clock"/>.</summary>
    public static async Task<bool> WaitForExitAsync(int pgid, TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        while (IsAlive(pgid))
        {
            if (clock.GetElapsedTime(started) >= timeout)
            {
                return false;
            }

            await Task.Delay(ExitPoll, clock, ct).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// SIGTERM to the group (the BEAM shuts down cleanly on it), SIGKILL after <paramref name="grace"/>; then waits up to
    /// <paramref name="killWait"/> for the group to be gone.
    /// </summary>
    public static async Task TerminateAsync(int pid, TimeSpan grace, TimeSpan killWait, TimeProvider clock, Action<string> log, CancellationToken ct)
    {
        log($"sending SIGTERM to pid {pid} and its process group");
        Send(pid, ProcessSignals.SigTerm);
        if (await WaitForExitAsync(pid, grace, clock, ct).ConfigureAwait(false))
        {
            return;
        }

        log($"pid {pid} still running {grace.TotalSeconds:0.#}s after SIGTERM; sending SIGKILL");
        ProcessSignals.Send(-pid, ProcessSignals.SigKill);
        ProcessSignals.Send(pid, ProcessSignals.SigKill);
        await WaitForExitAsync(pid, killWait, clock, ct).ConfigureAwait(false);
    }

    private readonly record struct ProcStat(char State, int Pgrp, int Session);

    private static ProcStat? Stat(int pid)
    {
        try
        {
            // The command name in parentheses may hold spaces; fields after it are plain.
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return new ProcStat(fields[0][0], int.Parse(fields[2]), int.Parse(fields[3]));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
