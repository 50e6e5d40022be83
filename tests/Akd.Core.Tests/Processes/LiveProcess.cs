namespace Akd.Core.Tests.Processes;

/// <summary>Whether a pid is a running process, as /proc shows it (a zombie has ended: it only waits to be reaped).</summary>
internal static class LiveProcess
{
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The state follows the command name in parentheses, which may itself hold spaces or parentheses.
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until the pid is gone; the caller's test timeout bounds the wait, not a threshold here.</summary>
    public static async Task WaitGoneAsync(int pid, CancellationToken ct)
    {
        while (IsAlive(pid))
        {
            await Task.Delay(50, ct);
        }
    }
}
