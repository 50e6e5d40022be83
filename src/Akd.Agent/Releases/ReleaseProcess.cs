using System.Diagnostics;
using Akd.Agent.Steps;
using Akd.Core.Processes;

namespace Akd.Agent.Releases;

/// <summary>
/// Starts and stops a <c>mix release</c> through its own script: <c>bin/APP daemon</c>, <c>bin/APP pid</c>,
/// <c>bin/APP stop</c>. A stop is graceful first (the script asks the node to shut down), then SIGTERM
/// (the BEAM also shuts down cleanly on it), and SIGKILL only as the last resort.
/// </summary>
internal sealed class ReleaseProcess(string app, StepReporter reporter, TimeSpan stopGrace)
{
    public async Task StartAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var result = await ScriptAsync(releaseDir, "daemon", env, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new StepFailedException($"bin/{app} daemon failed with exit code {result.ExitCode}");
        }
    }

    /// <summary>The OS pid of the release's VM, or null when its node does not answer.</summary>
    public async Task<int?> GetPidAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var spec = Spec(releaseDir, "pid", env, TimeSpan.FromSeconds(30));
        var (result, stdout) = await ProcessRunner.CaptureAsync(spec, ct).ConfigureAwait(false);
        return result.Succeeded && int.TryParse(stdout.Trim(), out var pid) ? pid : null;
    }

    public async Task StopAsync(string releaseDir, RunState state, CancellationToken ct)
    {
        if (state.Pid is { } known && !IsAlive(known))
        {
            reporter.Log($"release {state.ReleaseId} is not running (pid {known} is gone)");
            return;
        }

        var pid = state.Pid ?? (Directory.Exists(releaseDir) ? await GetPidAsync(releaseDir, state.Env, ct).ConfigureAwait(false) : null);
        if (pid is null)
        {
            reporter.Log($"release {state.ReleaseId} does not answer; nothing to stop");
            return;
        }

        reporter.Log($"stopping release {state.ReleaseId} (pid {pid})");
        if (Directory.Exists(releaseDir))
        {
            await ScriptAsync(releaseDir, "stop", state.Env, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        }

        if (await WaitForExitAsync(pid.Value, stopGrace, ct).ConfigureAwait(false))
        {
            return;
        }

        reporter.Log($"pid {pid} still running after {stopGrace.TotalSeconds:0}s; sending SIGTERM");
        Signal(pid.Value, SigTerm);
        if (await WaitForExitAsync(pid.Value, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))
        {
            return;
        }

        reporter.Log($"pid {pid} ignored SIGTERM; sending SIGKILL");
        Signal(pid.Value, SigKill);
        await WaitForExitAsync(pid.Value, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat[(stat.LastIndexOf(')') + 2)..];
            return afterName.StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, CancellationToken ct)
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

    private const int SigTerm = 15;
    private const int SigKill = 9;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static void Signal(int pid, int signal) => _ = Kill(pid, signal);

    private async Task<ProcessResult> ScriptAsync(string releaseDir, string command, IReadOnlyDictionary<string, string> env, TimeSpan timeout, CancellationToken ct)
    {
        var spec = Spec(releaseDir, command, env, timeout);
        reporter.Log($"$ {spec.Display}");
        try
        {
            return await ProcessRunner.RunAsync(spec, reporter.Output, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            throw new StepFailedException(ex.Message);
        }
    }

    private ProcessSpec Spec(string releaseDir, string command, IReadOnlyDictionary<string, string> env, TimeSpan timeout) =>
        new(Path.Combine(releaseDir, "bin", app), [command])
        {
            WorkingDirectory = releaseDir,
            Environment = env.ToDictionary(p => p.Key, p => (string?)p.Value),
            Timeout = timeout,
            // run_erl and epmd daemonize; don't wait on pipes they might inherit.
            OutputDrainGrace = TimeSpan.FromMilliseconds(200),
        };
}
