using Akd.Agent.Reporting;

namespace Akd.Agent.Releases;

/// <summary>
/// Runs a distillery 2.x release through its boot script, whose commands differ from <c>mix release</c>'s:
/// <c>bin/APP start</c> (daemonizes), <c>bin/APP ping</c> (prints <c>pong</c>), <c>bin/APP pid</c>,
/// <c>bin/APP stop</c> (see <see cref="ReleaseScriptRunner"/> for the stop sequence).
/// </summary>
internal sealed class DistilleryRunner(string app, StepReporter reporter, AgentOptions options, TimeProvider clock)
    : ReleaseScriptRunner(app, reporter, options, clock)
{
    protected override string StartCommand => "start";

    /// <summary>Distillery's <c>bin/APP start</c> logs through run_erl to <c>var/log/erlang.log.N</c> (RUNNER_LOG_DIR).</summary>
    public override IEnumerable<string> BootLogFiles(string releaseDir) =>
        BootLog.Files(Path.Combine(releaseDir, "var", "log"), "erlang.log.*");

    /// <summary>An unrecorded release is running when it answers <c>ping</c>; stop it even if its pid cannot be read.</summary>
    protected override async Task<(bool Running, int? Pid)> FindUnrecordedAsync(string releaseDir, RunState state, CancellationToken ct)
    {
        if (!Directory.Exists(releaseDir) || !await PingAsync(releaseDir, state.Env, ct).ConfigureAwait(false))
        {
            Reporter.Log($"release {state.ReleaseId} does not answer bin/{App} ping; nothing to stop");
            return (false, null);
        }

        return (true, await GetPidAsync(releaseDir, state.Env, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Distillery takes the node name from vm.args; with REPLACE_OS_VARS it expands <c>${RELEASE_NODE}</c>
    /// there, which is how several hosts of one app on one machine get the distinct names the agent gives them.
    /// </summary>
    protected override Dictionary<string, string?> ScriptEnv(IReadOnlyDictionary<string, string> env)
    {
        var result = base.ScriptEnv(env);
        result.TryAdd("REPLACE_OS_VARS", "true");
        return result;
    }

    private async Task<bool> PingAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var (result, stdout) = await CaptureAsync(releaseDir, "ping", env, ct).ConfigureAwait(false);
        return result.Succeeded && stdout.Contains("pong", StringComparison.Ordinal);
    }
}
