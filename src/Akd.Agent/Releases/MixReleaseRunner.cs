using Akd.Agent.Steps;
using Akd.Core.Processes;

namespace Akd.Agent.Releases;

/// <summary>
/// Runs a <c>mix release</c> through its own script: <c>bin/APP daemon</c>, <c>bin/APP pid</c>,
/// <c>bin/APP stop</c>. A stop is graceful first (the script asks the node to shut down), then
/// SIGTERM, and SIGKILL only as the last resort.
/// </summary>
internal sealed class MixReleaseRunner(string app, StepReporter reporter, TimeSpan stopGrace) : IAppRunner
{
    public async Task StartAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var result = await ScriptAsync(releaseDir, "daemon", env, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new StepFailedException($"bin/{app} daemon failed with exit code {result.ExitCode}");
        }
    }

    public async Task<int?> GetPidAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        if (env.TryGetValue("RELEASE_NODE", out var node) && BeamProcessFinder.Find(releaseDir, node) is { } found)
        {
            return found;
        }

        var (result, stdout) = await ProcessRunner.CaptureAsync(Spec(releaseDir, "pid", env, TimeSpan.FromSeconds(30)), ct).ConfigureAwait(false);
        return result.Succeeded && int.TryParse(stdout.Trim(), out var pid) ? pid : null;
    }

    public async Task StopAsync(string releaseDir, RunState state, CancellationToken ct)
    {
        if (state.Pid is { } known && !ProcessSignals.IsAlive(known))
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

        if (!await ProcessSignals.WaitForExitAsync(pid.Value, stopGrace, ct).ConfigureAwait(false))
        {
            await ProcessSignals.TerminateAsync(pid.Value, reporter.Log, ct).ConfigureAwait(false);
        }
    }

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
