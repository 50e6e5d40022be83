using System.Globalization;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Files;
using Akd.Core.Processes;

namespace Akd.Agent.Releases;

/// <summary>
/// Runs an app as a transient systemd unit of its own (<see cref="SystemdUnit"/>), where systemd is PID 1: the app
/// lives outside the agent's cgroup, so restarting or upgrading the agent never touches it, and
/// <c>systemctl status</c> / <c>journalctl -u</c> show it. Started with <c>systemd-run</c>, found and stopped with
/// <c>systemctl</c>; every call an argument array.
/// </summary>
/// <param name="foreground">The app's command in the foreground, for a release directory.</param>
/// <param name="options">The agent's waits: <see cref="AgentOptions.SystemctlTimeout"/>, <see cref="AgentOptions.StopGracePeriod"/>, <see cref="AgentOptions.KillWait"/>.</param>
internal sealed class SystemdAppRunner(
    string app, string deployRoot, Func<string, IReadOnlyList<string>> foreground, AppSandbox sandbox, StepReporter reporter, AgentOptions options, TimeProvider clock) : IAppRunner
{
    /// <summary>
    /// Env the command needs besides the app's (a source-strategy app's MIX_ENV, HOME, MIX_HOME); such an app also
    /// writes its whole release directory (mix keeps <c>_build</c> there).
    /// </summary>
    public IReadOnlyDictionary<string, string?> ExtraEnv { get; init; } = new Dictionary<string, string?>();

    /// <summary>The whole release directory is writable (a mix project run from source), not only its tmp/.</summary>
    public bool ReleaseWritable { get; init; }

    public string Unit => SystemdUnit.NameFor(app, deployRoot);

    private string EnvironmentFile => Path.Combine(sandbox.SharedDir, ".akd-unit.env");

    /// <summary>True where systemd is PID 1 (sd_booted(3): /run/systemd/system exists).</summary>
    public static bool SystemdIsPid1 => Directory.Exists("/run/systemd/system");

    /// <summary>
    /// The default (<c>--app-runner auto</c>): systemd is PID 1 and the agent runs as root, so it may start system
    /// units. An agent of another user needs the right to manage units (a polkit rule) and <c>--app-runner systemd</c>.
    /// </summary>
    public static bool IsAvailable => SystemdIsPid1 && UserSwitching.AgentUid == 0;

    public SystemdUnit UnitFor(string releaseDir) => new(
        Unit, app, releaseDir, foreground(releaseDir),
        sandbox.User ?? new AppUser("(the agent's user)", UserSwitching.AgentUid, UserSwitching.AgentGid), EnvironmentFile,
        ReleaseWritable ? [sandbox.SharedDir, releaseDir] : [sandbox.SharedDir, .. AppSandbox.WritableReleaseDirs.Select(d => Path.Combine(releaseDir, d))],
        options.StopGracePeriod);

    public async Task StartAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        // A unit of this deploy path that failed earlier keeps its name until reset.
        await SystemctlAsync(["reset-failed", Unit], ct, quiet: true).ConfigureAwait(false);
        var environment = new Dictionary<string, string>(env);
        foreach (var (key, value) in ExtraEnv)
        {
            if (value is not null)
            {
                environment[key] = value;
            }
        }

        if (sandbox.User is not null)
        {
            environment.TryAdd("HOME", sandbox.SharedDir);
        }

        // A unit starts with systemd's environment, not the agent's: the tools (elixir, mix, asdf) are found as the agent finds them.
        foreach (var name in new[] { "PATH", "LANG" })
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                environment.TryAdd(name, value);
            }
        }

        DurableFile.Write(EnvironmentFile, System.Text.Encoding.UTF8.GetBytes(SystemdUnit.FormatEnvironment(environment)),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var spec = new ProcessSpec("systemd-run", UnitFor(releaseDir).RunArguments()) { Timeout = options.SystemctlTimeout };
        reporter.Log($"$ {spec.Display}");
        var result = await RunAsync(spec, ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new StepFailedException($"systemd-run {Unit} failed with exit code {result.ExitCode}");
        }
    }

    public async Task<int?> GetPidAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var (result, stdout) = await ProcessRunner.CaptureAsync(
            new ProcessSpec("systemctl", ["show", "--property=MainPID", "--value", Unit]) { Timeout = options.SystemctlTimeout }, ct).ConfigureAwait(false);
        return result.Succeeded && int.TryParse(stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
    }

    /// <summary>Asking systemctl costs no VM: no quiet lookup needed.</summary>
    public int? FindPidQuietly(string releaseDir, IReadOnlyDictionary<string, string> env) => null;

    public TimeSpan QuietPidLookupWindow => TimeSpan.Zero;

    /// <summary>The app logs to the journal (<c>journalctl -u UNIT</c>); a mix release's run_erl logs do not exist here.</summary>
    public IEnumerable<string> BootLogFiles(string releaseDir) => [];

    /// <summary>systemctl stop: SIGTERM to the VM, SIGKILL to the unit's cgroup after TimeoutStopSec.</summary>
    public async Task StopAsync(string releaseDir, RunState state, CancellationToken ct)
    {
        reporter.Log($"stopping release {state.ReleaseId} (unit {Unit})");
        var spec = new ProcessSpec("systemctl", ["stop", Unit]) { Timeout = options.StopGracePeriod + options.SystemctlTimeout };
        reporter.Log($"$ {spec.Display}");
        await RunAsync(spec, ct).ConfigureAwait(false);
        await SystemctlAsync(["reset-failed", Unit], ct, quiet: true).ConfigureAwait(false);

        // Started by the detached runner before this host ran apps as units (an agent upgrade): not in the unit.
        if (state.Pid is { } pid && ProcessSignals.IsAlive(pid))
        {
            await ProcessGroups.TerminateAsync(pid, options.StopGracePeriod, options.KillWait, clock, reporter.Log, ct).ConfigureAwait(false);
        }
    }

    private async Task SystemctlAsync(IReadOnlyList<string> args, CancellationToken ct, bool quiet)
    {
        var spec = new ProcessSpec("systemctl", args) { Timeout = options.SystemctlTimeout };
        await ProcessRunner.RunAsync(spec, quiet ? _ => { } : reporter.Output, ct).ConfigureAwait(false);
    }

    private async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken ct)
    {
        try
        {
            return await ProcessRunner.RunAsync(spec, reporter.Output, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            throw new StepFailedException(ex.Message);
        }
    }
}
