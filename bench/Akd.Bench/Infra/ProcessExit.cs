using System.Diagnostics;

namespace Akd.Bench.Infra;

/// <summary>
/// SIGTERM, then the moment the process is gone, seen from a thread of its own. The bench's own notice of a child's
/// exit (SIGCHLD, then its output read to the end) comes through this process's thread pool, which the load generator
/// keeps busy: at 10,000 fake agents reconnecting it came ~4 s after the coordinator had exited (/proc showed it gone).
/// </summary>
public static class ProcessExit
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    /// <summary>Sends SIGTERM to <paramref name="pid"/> and returns how long it took to exit; null when it still runs after <paramref name="patience"/>.</summary>
    public static Task<TimeSpan?> TerminateAndTimeAsync(int pid, TimeSpan patience) =>
        Task.Factory.StartNew(() => TerminateAndTime(pid, patience), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static TimeSpan? TerminateAndTime(int pid, TimeSpan patience)
    {
        var watch = Stopwatch.StartNew();
        Akd.Testing.ManagedProcess.SendSigterm(pid);
        while (watch.Elapsed < patience)
        {
            if (ProcStats.HasExited(pid))
            {
                return watch.Elapsed;
            }

            Thread.Sleep(Poll);
        }

        return null;
    }
}
