using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Processes;

namespace Akd.Agent.Releases;

/// <summary>
/// Runs a release through its own <c>bin/APP</c> script. What <c>mix release</c> and distillery
/// share lives here: the script call, and a stop that is graceful first (SIGTERM to the VM, which runs
/// <c>init:stop()</c> on it), then <c>bin/APP stop</c>, and SIGKILL only as the last resort.
/// </summary>
/// <param name="options">The agent's waits: <see cref="AgentOptions.StopGracePeriod"/>, <see cref="AgentOptions.KillWait"/> and the script timeouts.</param>
internal abstract class ReleaseScriptRunner(string app, StepReporter reporter, AgentOptions options, TimeProvider clock) : IAppRunner
{
    /// <summary>The script command that starts the release in the background.</summary>
    protected abstract string StartCommand { get; }

    protected StepReporter Reporter => reporter;

    protected string App => app;

    protected AgentOptions Options => options;

    /// <summary>Who the script runs as: the app's own user where the agent can switch users.</summary>
    public AppSandbox Sandbox { get; init; } = AppSandbox.AsAgent("");

    public async Task StartAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var cause = new FailureCause();
        var result = await ScriptAsync(releaseDir, StartCommand, env, options.AppStartTimeout, ct, cause).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new StepFailedException(cause.Append($"bin/{app} {StartCommand} failed with exit code {result.ExitCode}"));
        }
    }

    public virtual async Task<int?> GetPidAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var (result, stdout) = await CaptureAsync(releaseDir, "pid", env, ct).ConfigureAwait(false);
        return result.Succeeded && int.TryParse(stdout.Trim(), out var pid) ? pid : null;
    }

    /// <summary>None by default: the script is the only way to ask.</summary>
    public virtual int? FindPidQuietly(string releaseDir, IReadOnlyDictionary<string, string> env) => null;

    public virtual TimeSpan QuietPidLookupWindow => TimeSpan.Zero;

    public abstract IEnumerable<string> BootLogFiles(string releaseDir);

    public async Task StopAsync(string releaseDir, RunState state, CancellationToken ct)
    {
        if (state.Pid is { } known && !ProcessSignals.IsAlive(known))
        {
            reporter.Log($"release {state.ReleaseId} is not running (pid {known} is gone)");
            return;
        }

        var (running, pid) = state.Pid is { } recorded ? (true, recorded) : await FindUnrecordedAsync(releaseDir, state, ct).ConfigureAwait(false);
        if (!running)
        {
            return;
        }

        reporter.Log($"stopping release {state.ReleaseId}" + (pid is null ? "" : $" (pid {pid})"));
        if (pid is { } vm)
        {
            // OTP >= 20 runs init:stop() on SIGTERM: the same graceful shutdown as `bin/APP stop`, without the
            // second VM the script boots to send it (about 1.8 s on 2 cores, all of it time the host is down).
            reporter.Log($"sending SIGTERM to pid {vm}");
            ProcessSignals.Send(vm, ProcessSignals.SigTerm);
            if (await ProcessSignals.WaitForExitAsync(vm, options.StopGracePeriod, clock, ct).ConfigureAwait(false))
            {
                return;
            }

            reporter.Log($"pid {vm} still running after SIGTERM; trying bin/{app} stop");
        }

        if (Directory.Exists(releaseDir))
        {
            await ScriptAsync(releaseDir, "stop", state.Env, options.AppCommandTimeout, ct).ConfigureAwait(false);
        }

        if (pid is { } stuck && !await ProcessSignals.WaitForExitAsync(stuck, options.StopGracePeriod, clock, ct).ConfigureAwait(false))
        {
            await ProcessSignals.KillAsync(stuck, options.KillWait, clock, reporter.Log, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether a release the agent holds no pid for is running, and its pid if that can be told.
    /// When it is not running, the implementation says why in the log.
    /// </summary>
    protected abstract Task<(bool Running, int? Pid)> FindUnrecordedAsync(string releaseDir, RunState state, CancellationToken ct);

    /// <summary>The env the script runs with: the app's env, plus what this kind of release needs.</summary>
    protected virtual Dictionary<string, string?> ScriptEnv(IReadOnlyDictionary<string, string> env) =>
        env.ToDictionary(p => p.Key, p => (string?)p.Value);

    protected Task<(ProcessResult Result, string StdOut)> CaptureAsync(string releaseDir, string command, IReadOnlyDictionary<string, string> env, CancellationToken ct) =>
        ProcessRunner.CaptureAsync(Spec(releaseDir, command, env, options.AppCommandTimeout), ct);

    private async Task<ProcessResult> ScriptAsync(
        string releaseDir, string command, IReadOnlyDictionary<string, string> env, TimeSpan timeout, CancellationToken ct, FailureCause? cause = null)
    {
        var spec = Spec(releaseDir, command, env, timeout);
        reporter.Log($"$ {spec.Display}");
        try
        {
            return await ProcessRunner.RunAsync(spec, cause?.Watch(reporter.Output) ?? reporter.Output, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            throw new StepFailedException(ex.Message);
        }
    }

    private ProcessSpec Spec(string releaseDir, string command, IReadOnlyDictionary<string, string> env, TimeSpan timeout)
    {
        var environment = ScriptEnv(env);
        environment[AppMarker.Variable] = AppMarker.DeployPathOf(releaseDir);
        return Sandbox.Wrap(new ProcessSpec(Path.Combine(releaseDir, "bin", app), [command])
        {
            WorkingDirectory = releaseDir,
            Environment = environment,
            Timeout = timeout,
            // The scripts daemonize (run_erl, epmd); don't wait on pipes those might inherit.
            OutputDrainGrace = TimeSpan.FromMilliseconds(200),
        });
    }
}
