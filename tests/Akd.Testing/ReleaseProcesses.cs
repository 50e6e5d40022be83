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

    /// <summary>
    /// Starts epmd (<c>epmd -daemon</c>; a no-op when it runs) before a fleet boots any VM, and nothing here ever stops it.
    /// Each VM that starts with distribution on starts epmd itself when none runs, and several booting at once (six hosts
    /// of one rollout batch) race to: a VM that asks before the winner listens can fail to register and not boot. A
    /// fleet that stopped "its" epmd when it ended could do so while a fleet in the other test process was about to boot
    /// VMs, and reopen that race. On a developer's machine epmd stays running after the tests, as after any Erlang use.
    /// </summary>
    public static void StartEpmd()
    {
        try
        {
            using var epmd = Process.Start(new ProcessStartInfo("epmd") { ArgumentList = { "-daemon" }, UseShellExecute = false })!;
            epmd.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No Erlang on this machine: the fleet's builds and deploys say so.
        }
    }
}
