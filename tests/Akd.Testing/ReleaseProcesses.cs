using System.Diagnostics;
using System.Text.Json;

namespace Akd.Testing;

/// <summary>Stops the BEAMs a test or bench run left behind, by the pids the agents (or scripts) recorded.</summary>
public static class ReleaseProcesses
{
    /// <summary>
    /// Stops the BEAMs an agent started under <paramref name="agentDataDir"/>: the run state of every app,
    /// and the pid file of apps run as a command (the source strategy), which exists even when a deploy
    /// failed before the run state was written.
    /// </summary>
    public static void StopAll(string agentDataDir)
    {
        var apps = Path.Combine(agentDataDir, "apps");
        if (!Directory.Exists(apps))
        {
            return;
        }

        var pids = new HashSet<int>();
        foreach (var state in Directory.GetFiles(apps, ".akd-run.json", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(state));
            if (doc.RootElement.TryGetProperty("Pid", out var pid) && pid.ValueKind == JsonValueKind.Number)
            {
                pids.Add(pid.GetInt32());
            }
        }

        foreach (var pidFile in Directory.GetFiles(apps, "app.pid", SearchOption.AllDirectories))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            {
                pids.Add(pid);
            }
        }

        foreach (var pid in pids)
        {
            Kill(pid);
        }
    }

    /// <summary>Kills a process and its children, if it still runs.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited while we looked.
        }
    }

    /// <summary>True when epmd runs now: a fleet only stops the epmd it caused to start.</summary>
    public static bool EpmdIsRunning() => Process.GetProcessesByName("epmd").Length > 0;

    /// <summary>
    /// epmd is shared by every node on the machine: stops it only when it was not running before
    /// (<paramref name="wasRunning"/>) and no other BEAM (another fleet's, a developer's) still needs it.
    /// </summary>
    public static void StopEpmdIfOurs(bool wasRunning)
    {
        if (wasRunning || Process.GetProcessesByName("beam.smp").Length > 0)
        {
            return;
        }

        foreach (var epmd in Process.GetProcessesByName("epmd"))
        {
            epmd.Kill();
            epmd.Dispose();
        }
    }
}
