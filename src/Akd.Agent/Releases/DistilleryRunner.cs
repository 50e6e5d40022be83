using Akd.Agent.Steps;
using Akd.Core.Processes;

namespace Akd.Agent.Releases;

/// <summary>
/// Runs a distillery 2.x release through its boot script, whose commands differ from <c>mix release</c>'s:
/// <c>bin/APP start</c> (daemonizes), <c>bin/APP ping</c> (prints <c>pong</c>), <c>bin/APP pid</c>,
/// <c>bin/APP stop</c>. A stop is graceful first, then SIGTERM, and SIGKILL only as the last resort.
/// </summary>
internal sealed class DistilleryRunner(string app, StepReporter reporter, TimeSpan stopGrace) : IAppRunner
{
    public async Task StartAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var result = await ScriptAsync(releaseDir, "start", env, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new StepFailedException($"bin/{app} start failed with exit code {result.ExitCode}");
        }
    }

    public async Task<int?> GetPidAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
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

        var present = Directory.Exists(releaseDir);
        if (state.Pid is null && (!present || !await PingAsync(releaseDir, state.Env, ct).ConfigureAwait(false)))
        {
            reporter.Log($"release {state.ReleaseId} does not answer bin/{app} ping; nothing to stop");
            return;
        }

        var pid = state.Pid ?? await GetPidAsync(releaseDir, state.Env, ct).ConfigureAwait(false);
        reporter.Log($"stopping release {state.ReleaseId}" + (pid is null ? "" : $" (pid {pid})"));
        if (present)
        {
            await ScriptAsync(releaseDir, "stop", state.Env, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        }

        if (pid is { } running && !await ProcessSignals.WaitForExitAsync(running, stopGrace, ct).ConfigureAwait(false))
        {
            await ProcessSignals.TerminateAsync(running, reporter.Log, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Distillery takes the node name from vm.args; with REPLACE_OS_VARS it expands <c>${RELEASE_NODE}</c>
    /// there, which is how several hosts of one app on one machine get the distinct names the agent gives them.
    /// </summary>
    private static Dictionary<string, string?> ScriptEnv(IReadOnlyDictionary<string, string> env)
    {
        var result = env.ToDictionary(p => p.Key, p => (string?)p.Value);
        result.TryAdd("REPLACE_OS_VARS", "true");
        return result;
    }

    private async Task<bool> PingAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var (result, stdout) = await ProcessRunner.CaptureAsync(Spec(releaseDir, "ping", env, TimeSpan.FromSeconds(30)), ct).ConfigureAwait(false);
        return result.Succeeded && stdout.Contains("pong", StringComparison.Ordinal);
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
            Environment = ScriptEnv(env),
            Timeout = timeout,
            // The boot script daemonizes (run_erl, epmd); don't wait on pipes they might inherit.
            OutputDrainGrace = TimeSpan.FromMilliseconds(200),
        };
}
