namespace Akd.Bench.Infra;

/// <summary>Memory and CPU of a process, read from /proc.</summary>
public static class ProcStats
{
    /// <summary>Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Resident set size (VmRSS) in bytes.</summary>
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS");
    }

    /// <summary>User plus system CPU time the process has used so far.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var fields = StatFields(pid);
        // After the command name: field 3 is the state, so utime (14) and stime (15) are at 11 and 12.
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>
    /// True once the process has exited: a zombie not yet reaped (state Z or X), or reaped (no /proc entry).
    /// </summary>
    public static bool HasExited(int pid)
    {
        string[] fields;
        try
        {
            fields = StatFields(pid);
        }
        catch (IOException)
        {
            return true; // FileNotFoundException and DirectoryNotFoundException are both IOExceptions
        }

        return fields[0] is "Z" or "X";
    }

    /// <summary>/proc/PID/stat's fields after the command name (which may hold spaces and parentheses): the state first.</summary>
    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>CPU use of <paramref name="pid"/> over <paramref name="window"/>, in percent of one core.</summary>
    public static async Task<double> CpuPercentAsync(int pid, TimeSpan window, CancellationToken ct)
    {
        var before = CpuTime(pid);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(window, ct).ConfigureAwait(false);
        var used = CpuTime(pid) - before;
        return 100 * used.TotalSeconds / watch.Elapsed.TotalSeconds;
    }
}
