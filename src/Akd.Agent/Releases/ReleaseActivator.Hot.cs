using Akd.Agent.Reporting;
using Akd.Agent.Upgrades;
using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Akd.Core.Releases;

namespace Akd.Agent.Releases;

/// <summary>
/// Activation in the running VM (<c>deploy.upgrade: hot | auto</c>, and rollbacks of hot-upgraded hosts): the
/// new version is installed into the root the VM booted from and applied by release_handler; <c>current</c>
/// then points at the new release's own directory, which is what the next cold start boots.
/// </summary>
internal sealed partial class ReleaseActivator
{
    /// <summary>What may be done hot; null: always restart.</summary>
    public HotUpgradePolicy? Upgrade { get; init; }

    /// <returns>Null when the activation is to restart the VM instead (auto, or nothing to do hot); it says why.</returns>
    private async Task<ActivateOutput?> TryHotAsync(
        string releaseId, IReadOnlyDictionary<string, string> env, string deploymentId, string result, ActivateOutput output, CancellationToken ct)
    {
        if (Upgrade is not { } policy || policy.Mode == UpgradeMode.Restart)
        {
            return null;
        }

        var state = RunState.Read(layout.SharedDir);
        if (state is not { Pid: { } alive } || !ProcessSignals.IsAlive(alive))
        {
            // Nothing to upgrade in place, hot or not: the release is simply started.
            reporter.Log("upgrade: nothing runs for this app on this host; starting the release");
            return null;
        }

        var (reasons, from, to) = HotReasons(policy, state, releaseId, env);
        if (reasons.Count > 0)
        {
            var why = string.Join("; ", reasons);
            if (policy.Mode == UpgradeMode.Hot && !policy.IsRollback)
            {
                throw new StepFailedException($"deploy.upgrade is hot, but this host cannot be upgraded hot: {why}");
            }

            reporter.Log($"upgrade: restart ({why})");
            return null;
        }

        var running = state;
        var pid = running.Pid!.Value;
        var vmRoot = layout.ReleaseDir(running.VmRelease);
        var request = HotRequest(vmRoot, from, to, running.Env);
        reporter.Phase(Phase.HotUpgrade, $"{from} -> {to} in the running VM (pid {pid})");

        // Before anything touches the VM: an agent killed from here on finds out on restart which version the VM runs.
        Journal?.Begin(HotJournalEntry(releaseId, running, from, to, deploymentId, result, policy.IsRollback));
        try
        {
            return await HotAsync(releaseId, policy, running, request, deploymentId, output, ct).ConfigureAwait(false);
        }
        finally
        {
            Journal?.End(layout.Root);
        }
    }

    /// <summary>One hot upgrade of the VM that booted from <paramref name="vmRoot"/>, run as the app's user.</summary>
    private HotUpgradeRequest HotRequest(string vmRoot, string from, string to, IReadOnlyDictionary<string, string> env) => new()
    {
        App = manifest.App, RunningRoot = vmRoot, FromVsn = from, ToVsn = to, Env = env, Timeout = manifest.Health.Timeout,
        Sandbox = Sandbox, ReleaseRpcOnly = runner is DistilleryRunner,
        ErlCallMargin = options.ErlCallMargin, RpcBootTime = options.ReleaseRpcBootTime, HousekeepingTimeout = options.AppCommandTimeout,
    };

    /// <summary>Why this host's way of running the app rules out hot upgrades; null when it does not.</summary>
    internal static string? RunnerBlocker(IAppRunner runner) => runner switch
    {
        MixReleaseRunner or DistilleryRunner => null,
        SystemdAppRunner => "the systemd app runner restarts the app's unit (hot upgrades need the detached runner: --app-runner detached)",
        _ => "the app runs as a command (deploy.run or the source strategy), not through its release script",
    };

    /// <summary>The activation journal's entry for a hot upgrade of <paramref name="running"/>'s VM to <paramref name="releaseId"/>.</summary>
    internal PendingActivation HotJournalEntry(string releaseId, RunState running, string from, string to, string deploymentId, string result, bool isRollback) =>
        new(Command, layout.Root, releaseId, running.ReleaseId, new Dictionary<string, string>(running.Env), deploymentId, result)
        {
            Hot = new PendingHotUpgrade(from, to, running.Pid!.Value, running.VmRelease, isRollback),
        };

    private async Task<ActivateOutput> HotAsync(
        string releaseId, HotUpgradePolicy policy, RunState running, HotUpgradeRequest request, string deploymentId, ActivateOutput output, CancellationToken ct)
    {
        var (from, to, pid, vmRoot) = (request.FromVsn, request.ToVsn, running.Pid!.Value, request.RunningRoot);
        if (!policy.IsRollback)
        {
            var added = ReleaseInstaller.Install(layout.ReleaseDir(releaseId), vmRoot, to, ct);
            reporter.Log($"installed {to} into releases/{running.VmRelease} (lib: {(added.Count == 0 ? "nothing new" : string.Join(", ", added))})");

            // The copied code must be readable by the app's user, whose VM loads it.
            Sandbox.SecureRelease(vmRoot);
        }

        var upgrader = new HotUpgrader(reporter);

        // Distillery's own `bin/APP upgrade` goes forward; back (rollbacks, failures) is release_handler's alone.
        var applied = runner is DistilleryRunner && !policy.IsRollback
            ? await new DistilleryUpgrade(reporter).ApplyAsync(request, ct).ConfigureAwait(false)
            : await upgrader.ApplyAsync(request, ct).ConfigureAwait(false);
        var verb = policy.IsRollback ? "hot-downgraded" : "hot-upgraded";
        if (!applied.Applied)
        {
            return await HotFailedAsync(output, running, releaseId, deploymentId, $"hot upgrade {from} -> {to} failed: {applied.Detail}", upgrader, request, ct).ConfigureAwait(false);
        }

        layout.SwitchCurrent(releaseId);
        new RunState(releaseId, pid, running.Env) { VmReleaseId = running.VmRelease }.Write(layout.SharedDir);
        var health = await CheckAsync(releaseId, running.Env, pid, ct).ConfigureAwait(false);
        output.HealthTarget = health.Target;
        output.HealthDetail = health.Detail;
        if (health.Healthy)
        {
            layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), releaseId, deploymentId, $"{verb} {from} -> {to}"));
            reporter.Log($"{verb} {from} -> {to}; the VM kept pid {pid}");
            Prune(releaseId, running.ReleaseId);
            return output;
        }

        // Unhealthy on the new version: the relup's down instructions take the same VM back.
        var back = await upgrader.ApplyAsync(request with { FromVsn = to, ToVsn = from }, ct).ConfigureAwait(false);
        layout.SwitchCurrent(running.ReleaseId);
        running.Write(layout.SharedDir);
        var why2 = $"health check of {releaseId} failed after the hot upgrade: {health.Detail}";
        return await HotFailedAsync(output, running, releaseId, deploymentId, back.Applied ? why2 : $"{why2}; the hot downgrade failed too: {back.Detail}", upgrader, null, ct).ConfigureAwait(false);
    }

    private (List<string> Reasons, string From, string To) HotReasons(HotUpgradePolicy policy, RunState state, string releaseId, IReadOnlyDictionary<string, string> env)
    {
        var reasons = new List<string>(policy.Blockers);
        if (RunnerBlocker(runner) is { } blocker)
        {
            reasons.Insert(0, blocker);
        }

        ReleaseId.TryParse(releaseId, out var to, out _);
        ReleaseId.TryParse(state.ReleaseId, out var from, out _);
        if (policy.IsRollback)
        {
            // Two builds of one version (a redeploy of the same version) differ in files release_handler cannot
            // tell apart: only a cold restart really switches between them.
            if (state.VmRelease == state.ReleaseId)
            {
                // A VM started cold from the current release was never upgraded in place: its releases/ folder may
                // still list older versions (mix release keeps them in the build output), but none is installed.
                reasons.Add($"the running VM was started cold from {state.ReleaseId}, not upgraded hot");
            }
            else if (from == to)
            {
                reasons.Add($"the running VM already runs version {to} (another build of it)");
            }
            else if (!Directory.Exists(Path.Combine(layout.ReleaseDir(state.VmRelease), "releases", to)))
            {
                reasons.Add($"the running VM never had {to} installed");
            }
        }
        else if (string.IsNullOrEmpty(policy.RelupFrom))
        {
            reasons.AddRange(policy.Blockers.Count == 0 ? ["the release holds no relup"] : []);
        }
        else if (policy.RelupFrom != from)
        {
            reasons.Add($"its relup upgrades from {policy.RelupFrom}, this host runs {from}");
        }

        // A VM started with start overlap (now or by an earlier deploy) may run under the alternate node name.
        bool Same(KeyValuePair<string, string> p) => env.TryGetValue(p.Key, out var v)
            && (v == p.Value || (p.Key == "RELEASE_NODE" && p.Value == AlternateNodeName(v)));
        if (state.Env.Count != env.Count || !state.Env.All(Same))
        {
            reasons.Add("the app's env changed on this host (it is read at boot)");
        }

        return (reasons, from, to);
    }

    /// <summary>
    /// The host is back on the old version (release_handler restarts the VM in place when an instruction fails
    /// after the point of no return): checked; when it does not answer, the old release is restarted cold.
    /// </summary>
    private async Task<ActivateOutput> HotFailedAsync(
        ActivateOutput output, RunState running, string releaseId, string deploymentId, string why, HotUpgrader upgrader, HotUpgradeRequest? forget, CancellationToken ct)
    {
        layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), releaseId, deploymentId, "failed"));
        using var budget = ct.IsCancellationRequested ? new CancellationTokenSource(options.RollbackBudget, clock) : null;
        var cleanup = budget?.Token ?? ct;
        var pid = running.Pid!.Value;
        var health = await CheckAsync(running.ReleaseId, running.Env, pid, cleanup).ConfigureAwait(false);
        output.RolledBack = true;
        if (health.Healthy)
        {
            if (forget is not null)
            {
                await upgrader.RemoveAsync(forget, cleanup).ConfigureAwait(false);
            }

            layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), running.ReleaseId, deploymentId, "rolled-back"));
            throw new ActivationFailedException($"{why}; the VM (pid {pid}) is back on {running.ReleaseId}, healthy", output);
        }

        reporter.Log($"the VM does not answer on {running.ReleaseId} after the failed hot upgrade ({health.Detail}); restarting it cold");
        var rolledBack = await RollBackAsync(running.Env, running.ReleaseId, deploymentId, cleanup).ConfigureAwait(false);
        throw new ActivationFailedException($"{why}; {rolledBack}", output);
    }
}
