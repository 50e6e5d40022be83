using Akd.Agent.Reporting;

namespace Akd.Agent.Releases;

/// <summary>
/// Runs a <c>mix release</c> through its own script: <c>bin/APP daemon</c>, <c>bin/APP pid</c>,
/// <c>bin/APP stop</c> (see <see cref="ReleaseScriptRunner"/> for the stop sequence).
/// </summary>
internal sealed class MixReleaseRunner(string app, StepReporter reporter, AgentOptions options, TimeProvider clock)
    : ReleaseScriptRunner(app, reporter, options, clock)
{
    protected override string StartCommand => "daemon";

    /// <summary>
    /// Right after <c>daemon</c> returns, the VM may not have exec'd yet; <c>bin/APP pid</c> would then boot a
    /// second VM (about 0.6 s of CPU on 2 cores) that slows the new release's boot. /proc is polled first
    /// (<see cref="AgentOptions.QuietPidLookupWindow"/>).
    /// </summary>
    public override TimeSpan QuietPidLookupWindow => Options.QuietPidLookupWindow;

    /// <summary>
    /// <c>bin/APP daemon</c> runs the VM under run_erl, which logs to <c>tmp/log/erlang.log.N</c> or, on
    /// Elixir versions that keep one pipe per node, <c>tmp/NODE/log/erlang.log.N</c>.
    /// </summary>
    public override IEnumerable<string> BootLogFiles(string releaseDir) =>
        BootLog.Files(Path.Combine(releaseDir, "tmp"), "erlang.log.*", recursive: true);

    /// <summary>The VM found in /proc by its release directory and node name.</summary>
    public override int? FindPidQuietly(string releaseDir, IReadOnlyDictionary<string, string> env) =>
        env.TryGetValue("RELEASE_NODE", out var node) ? BeamProcessFinder.Find(releaseDir, node) : null;

    /// <summary>The VM is looked for in /proc first: that needs no script call, which boots a VM of its own.</summary>
    public override async Task<int?> GetPidAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct) =>
        FindPidQuietly(releaseDir, env) ?? await base.GetPidAsync(releaseDir, env, ct).ConfigureAwait(false);

    protected override async Task<(bool Running, int? Pid)> FindUnrecordedAsync(string releaseDir, RunState state, CancellationToken ct)
    {
        var pid = Directory.Exists(releaseDir) ? await GetPidAsync(releaseDir, state.Env, ct).ConfigureAwait(false) : null;
        if (pid is null)
        {
            Reporter.Log($"release {state.ReleaseId} does not answer; nothing to stop");
        }

        return (pid is not null, pid);
    }
}
