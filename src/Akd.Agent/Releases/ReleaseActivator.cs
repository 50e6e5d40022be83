using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Contracts.V1;
using Akd.Core.Health;
using Akd.Core.Hooks;
using Akd.Core.Manifest;
using Akd.Core.Releases;

namespace Akd.Agent.Releases;

/// <summary>
/// Puts a release that is already on disk into service: stop what runs, write the env, switch
/// <c>current</c>, start, health-check, record the revision and prune. When the new release is
/// unhealthy, the previous one is put back and restarted. Used by deploys and rollbacks alike.
/// </summary>
/// <param name="options">The agent's waits this activator uses (<see cref="AgentOptions.RollbackBudget"/>, the hot upgrades' margins).</param>
internal sealed partial class ReleaseActivator(
    ReleaseLayout layout, AppManifest manifest, IAppRunner runner, HttpClient http, TimeProvider clock, StepReporter reporter, AgentOptions options)
{
    /// <summary>The deploy's after-activate and after-start hooks; null for rollbacks and restarts.</summary>
    public IActivationHooks? Hooks { get; init; }

    /// <summary>Who the app runs as and what it may write; the agent's own user unless set.</summary>
    public AppSandbox Sandbox { get; init; } = AppSandbox.AsAgent(layout.SharedDir);

    /// <summary>
    /// Where this activation is recorded while <c>current</c> points at an unchecked release, so a restarted
    /// agent can finish it (<see cref="RecoverAsync"/>); null where nothing needs recovering.
    /// </summary>
    public ActivationJournal? Journal { get; init; }

    /// <summary>The encoded step command a recovery needs (see <see cref="PendingActivation.Command"/>).</summary>
    public byte[] Command { get; init; } = [];

    /// <param name="env">The final env for the app on this host.</param>
    /// <param name="result">What revisions.log records on success: "deployed" or "rolled-back".</param>
    public async Task<ActivateOutput> ActivateAsync(string releaseId, IReadOnlyDictionary<string, string> env, string deploymentId, string result, CancellationToken ct)
    {
        var previousId = layout.CurrentReleaseId();
        var output = new ActivateOutput { ReleaseId = releaseId, DeployPath = layout.Root, PreviousReleaseId = previousId ?? "" };

        var previousEnv = PreviousEnv() ?? env;
        if (await TryHotAsync(releaseId, env, deploymentId, result, output, ct).ConfigureAwait(false) is { } hot)
        {
            return hot;
        }

        (env, var old) = await StopBeforeStartAsync(env, ct).ConfigureAwait(false);

        layout.WriteEnvFile(env);
        Journal?.Begin(new PendingActivation(Command, layout.Root, releaseId, previousId, new Dictionary<string, string>(previousEnv), deploymentId, result)
        {
            StillServing = old is { Serving: true } ? old.State : null,
        });
        try
        {
            reporter.Phase(Phase.Switch, $"current -> releases/{releaseId}");
            layout.SwitchCurrent(releaseId);

            var releaseDir = layout.ReleaseDir(releaseId);
            var hookFailure = await RunHookAsync(Hooks is null ? null : c => Hooks.AfterActivateAsync(releaseDir, c), ct).ConfigureAwait(false);
            var health = hookFailure is null
                ? await StartAndCheckOrFailAsync(releaseId, env, ct, SharingWith(old)).ConfigureAwait(false)
                : new HealthCheckResult(false, "", "not started", 0);

            // Before any verdict: a rollback starts the old release again, under the old VM's node name
            // (or, where the old VM still serves, keeps it).
            old = await FinishOldVmAsync(old, releaseId, health, ct).ConfigureAwait(false);
            if (health.Healthy)
            {
                hookFailure = await RunHookAsync(Hooks is null ? null : c => Hooks.AfterStartAsync(releaseDir, c), ct).ConfigureAwait(false);
            }

            return await ConcludeAsync(output, health, hookFailure, previousEnv, deploymentId, result, ct, old).ConfigureAwait(false);
        }
        finally
        {
            // Reached on every outcome but a crash, which is what the journal is for.
            Journal?.End(layout.Root);
        }
    }

    /// <summary>
    /// Finishes an activation the agent died in the middle of: the release <c>current</c> points at is
    /// checked again; healthy, it is recorded as deployed; otherwise the host goes back to the previous release.
    /// </summary>
    public async Task<ActivateOutput> RecoverAsync(PendingActivation pending, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var output = new ActivateOutput { ReleaseId = pending.ReleaseId, DeployPath = layout.Root, PreviousReleaseId = pending.PreviousId ?? "" };
        try
        {
            if (pending.Hot is { } hot)
            {
                return await RecoverHotAsync(pending, hot, output, ct).ConfigureAwait(false);
            }

            var current = layout.CurrentReleaseId();
            if (current != pending.ReleaseId)
            {
                throw new StepFailedException(
                    $"the agent restarted before switching to {pending.ReleaseId}; this host stays on {current ?? "no release"}");
            }

            reporter.Phase(Phase.Recover, $"the agent restarted while {pending.ReleaseId} was being checked; checking it again");
            var old = StillServing(pending);
            var health = await CheckRunningOrStartAsync(pending.ReleaseId, env, ct, old).ConfigureAwait(false);
            old = await FinishOldVmAsync(old, pending.ReleaseId, health, ct).ConfigureAwait(false);
            return await ConcludeAsync(output, health, null, pending.PreviousEnv, pending.DeploymentId, pending.Result, ct, old).ConfigureAwait(false);
        }
        finally
        {
            Journal?.End(layout.Root);
        }
    }

    /// <summary>Records the verdict on a switched release: the revision and pruning when healthy, else a rollback and a failure.</summary>
    /// <param name="serving">The old VM where it never stopped serving (shared port): a rollback keeps it.</param>
    private async Task<ActivateOutput> ConcludeAsync(
        ActivateOutput output, HealthCheckResult health, string? hookFailure, IReadOnlyDictionary<string, string> previousEnv,
        string deploymentId, string result, CancellationToken ct, OldVm? serving = null)
    {
        var releaseId = output.ReleaseId;
        var previousId = output.PreviousReleaseId.Length == 0 ? null : output.PreviousReleaseId;
        output.HealthTarget = health.Target;
        output.HealthDetail = health.Detail;
        if (health.Healthy && hookFailure is null)
        {
            layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), releaseId, deploymentId, result));
            Prune(releaseId, previousId);
            return output;
        }

        layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), releaseId, deploymentId, "failed"));

        // Once current has switched, the host is put back even when the step itself was cancelled
        // or passed its deadline: a host is never left on a release nobody checked.
        using var budget = ct.IsCancellationRequested ? new CancellationTokenSource(options.RollbackBudget, clock) : null;
        var cleanup = budget?.Token ?? ct;
        if (Hooks is not null)
        {
            await Hooks.FailedAsync(cleanup).ConfigureAwait(false);
        }

        var rolledBack = await KeepServingAsync(serving, previousEnv, previousId, deploymentId, cleanup).ConfigureAwait(false)
            ?? await RollBackAsync(previousEnv, previousId, deploymentId, cleanup).ConfigureAwait(false);
        output.RolledBack = rolledBack is not null;
        var message = (hookFailure ?? $"health check of {releaseId} failed: {health.Detail}") +
            (rolledBack is null ? "; there was no previous release to go back to" : $"; {rolledBack}");
        throw new ActivationFailedException(message, output);
    }

    /// <summary>
    /// The env the release in service was started with: the running app's own, else the last one written
    /// to shared/.env (the app was stopped), so a rollback never starts the old release with the failed deploy's env.
    /// </summary>
    private IReadOnlyDictionary<string, string>? PreviousEnv()
    {
        if (RunState.Read(layout.SharedDir) is { } running)
        {
            return running.Env;
        }

        try
        {
            return layout.ReadEnvFile();
        }
        catch (FormatException ex)
        {
            reporter.Log($"shared/.env was not written by akd ({ex.Message}); a rollback would use this deploy's env");
            return null;
        }
    }

    /// <returns>Null when the hook stage passed (or there is none), otherwise why it failed.</returns>
    private static async Task<string?> RunHookAsync(Func<CancellationToken, Task>? stage, CancellationToken ct)
    {
        try
        {
            if (stage is not null)
            {
                await stage(ct).ConfigureAwait(false);
            }

            return null;
        }
        catch (HookFailedException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Stops the app this host runs for the manifest's app, if any.</summary>
    public async Task StopRunningAsync(CancellationToken ct)
    {
        var state = RunState.Read(layout.SharedDir);
        if (state is null)
        {
            return;
        }

        reporter.Phase(Phase.Stop, $"stopping {state.ReleaseId}");
        await runner.StopAsync(layout.ReleaseDir(state.VmRelease), state, ct).ConfigureAwait(false);
        RunState.Clear(layout.SharedDir);
    }

    /// <param name="sharing">The old VM still listening on the port (shared port): only the new VM's answers count.</param>
    private async Task<HealthCheckResult> StartAndCheckAsync(string releaseId, IReadOnlyDictionary<string, string> env, CancellationToken ct, OldVm? sharing = null)
    {
        var releaseDir = layout.ReleaseDir(releaseId);
        reporter.Phase(Phase.Start, $"starting {releaseId}");

        Sandbox.SecureDeployPath(layout);

        // start_erl.data is the app's (its VM rewrites it): an agent that is not root reads and rewrites it only once it
        // has taken it back, and gives it back (with what it wrote) after, or the app could not read its boot file.
        Sandbox.ReclaimVersionFiles(releaseDir);
        if (ReleaseId.TryParse(releaseId, out var vsn, out _) && Upgrades.ReleaseInstaller.BootOwnVersion(releaseDir, vsn) is { } upgraded)
        {
            reporter.Log($"releases/{releaseId} was hot-upgraded to {upgraded} in place; it boots its own version {vsn} again");
        }

        Sandbox.SecureRelease(releaseDir);

        // Recorded before the start, so the next stop finds this release even if the step dies right after.
        new RunState(releaseId, null, new Dictionary<string, string>(env)).Write(layout.SharedDir);
        await runner.StartAsync(releaseDir, env, ct).ConfigureAwait(false);
        return await CheckAsync(releaseId, env, pid: null, ct, sharing).ConfigureAwait(false);
    }

    /// <summary>
    /// After an agent restart: the release it had started may still run (apps are detached from the agent);
    /// then it is checked as it is, otherwise it is started again and checked.
    /// </summary>
    private async Task<HealthCheckResult> CheckRunningOrStartAsync(string releaseId, IReadOnlyDictionary<string, string> env, CancellationToken ct, OldVm? sharing)
    {
        if (RunState.Read(layout.SharedDir) is { Pid: { } pid } state && state.ReleaseId == releaseId && ProcessSignals.IsAlive(pid))
        {
            reporter.Log($"release {releaseId} still runs as pid {pid}");
            try
            {
                return await CheckAsync(releaseId, state.Env, pid, ct, sharing).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return new HealthCheckResult(false, "", "the step was cancelled or passed its deadline before the release was healthy", 0);
            }
        }

        return await StartAndCheckOrFailAsync(releaseId, env, ct, sharing).ConfigureAwait(false);
    }

    /// <param name="pid">The release's VM when already known; otherwise it is looked up as the release comes up.</param>
    /// <param name="sharing">The old VM still listening on the port (shared port): only connections the new VM accepted count.</param>
    private async Task<HealthCheckResult> CheckAsync(string releaseId, IReadOnlyDictionary<string, string> env, int? pid, CancellationToken ct, OldVm? sharing = null)
    {
        var releaseDir = layout.ReleaseDir(releaseId);

        // Every attempt first asks whether the new release's own process is up: an old process that
        // kept the port must never pass the check for it.
        var startedAt = clock.GetUtcNow();
        async Task<bool> OwnProcessAliveAsync(CancellationToken token)
        {
            if (pid is { } known)
            {
                return ProcessSignals.IsAlive(known);
            }

            // GetPidAsync looks in /proc first too: one lookup per poll either way.
            pid = clock.GetUtcNow() - startedAt >= runner.QuietPidLookupWindow
                ? await runner.GetPidAsync(releaseDir, env, token).ConfigureAwait(false)
                : runner.FindPidQuietly(releaseDir, env);

            if (pid is { } found)
            {
                new RunState(releaseId, found, new Dictionary<string, string>(env)).Write(layout.SharedDir);
                reporter.Log($"release {releaseId} runs as pid {found}");
            }

            return pid is not null;
        }

        reporter.Phase(Phase.Health, "waiting for the health check");
        var checker = new HealthChecker(http, clock)
        {
            Connect = sharing is null ? null : (target, token) => SharedPortConnector.ConnectAsync(target, pid ?? throw new IOException("the new VM's pid is not known yet"), clock, token),
        };
        var health = await checker.CheckAsync(manifest.Health, env, releaseDir, OwnProcessAliveAsync, reporter.Log, ct).ConfigureAwait(false);
        if (health.Healthy && !await WaitForOwnProcessAsync(OwnProcessAliveAsync, ct).ConfigureAwait(false))
        {
            health = health with { Healthy = false, Detail = "the new release's process is not running" };
        }

        if (!health.Healthy)
        {
            // Read now: a rollback restarts the old release, which may write to the same log.
            return health with { Detail = health.Detail + BootLog.Quote(releaseDir, runner.BootLogFiles(releaseDir)) };
        }

        // An answer from a port another process holds says nothing about this release.
        if (health.Healthy && pid is { } own && PortOwner.LocalEndpointOf(manifest.Health, health.Target) is { } endpoint
            && PortOwner.ListenersOf(endpoint) is { Count: > 0 } holders && !holders.Any(h => PortOwner.IsSelfOrDescendant(h, own)))
        {
            return health with
            {
                Healthy = false,
                Detail = $"{health.Target} answered, but port {endpoint.Port} is held by pid {string.Join(", ", holders.Order())}, not by the new release (pid {own})",
            };
        }

        return health;
    }

    /// <summary>Without a health check nothing waited for the process yet: give it the health timeout to come up.</summary>
    private async Task<bool> WaitForOwnProcessAsync(Func<CancellationToken, Task<bool>> alive, CancellationToken ct)
    {
        var until = clock.GetUtcNow() + manifest.Health.Timeout;
        while (!await alive(ct).ConfigureAwait(false))
        {
            if (clock.GetUtcNow() >= until)
            {
                return false;
            }

            await Task.Delay(manifest.Health.Interval, clock, ct).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>A start that throws or is cancelled counts as unhealthy, so the caller puts the host back.</summary>
    private async Task<HealthCheckResult> StartAndCheckOrFailAsync(string releaseId, IReadOnlyDictionary<string, string> env, CancellationToken ct, OldVm? sharing = null)
    {
        try
        {
            return await StartAndCheckAsync(releaseId, env, ct, sharing).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new HealthCheckResult(false, "", "the step was cancelled or passed its deadline before the release was healthy", 0);
        }
        catch (Exception ex) when (ex is StepFailedException or IOException or InvalidOperationException)
        {
            return new HealthCheckResult(false, "", ex.Message, 0);
        }
    }

    /// <param name="previousEnv">The env the previous release ran with (see <see cref="PreviousEnv"/>).</param>
    /// <returns>Null when there was nothing to go back to; otherwise what the host went back to, and whether that is healthy.</returns>
    private async Task<string?> RollBackAsync(IReadOnlyDictionary<string, string> previousEnv, string? previousId, string deploymentId, CancellationToken ct)
    {
        reporter.Phase(Phase.Rollback, previousId is null ? "stopping the failed release" : $"going back to {previousId}");
        await StopRunningAsync(ct).ConfigureAwait(false);
        if (previousId is null || !Directory.Exists(layout.ReleaseDir(previousId)))
        {
            // Back to how the host was: no release in service. The failed one stays on disk for inspection.
            layout.RemoveCurrent();
            reporter.Log("no previous release to go back to: removed current, nothing runs for this app");
            return null;
        }

        layout.WriteEnvFile(previousEnv);
        layout.SwitchCurrent(previousId);
        var health = await StartAndCheckAsync(previousId, previousEnv, ct).ConfigureAwait(false);
        layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), previousId, deploymentId, health.Healthy ? "rolled-back" : "rolled-back-unhealthy"));
        var outcome = health.Healthy ? $"rolled back to {previousId}" : $"rolled back to {previousId}, but it is not healthy either: {health.Detail}";
        reporter.Log(health.Healthy ? $"{outcome}, healthy" : outcome);
        return outcome;
    }

    private void Prune(string current, string? previous)
    {
        // Never the release a rollback would go to, nor the one this activation replaced.
        var protect = new[] { current, previous, layout.RollbackTargetId(), RunState.Read(layout.SharedDir)?.VmReleaseId }.OfType<string>().ToList();
        foreach (var dir in Directory.EnumerateDirectories(layout.ReleasesDir).Where(d => !protect.Contains(Path.GetFileName(d))))
        {
            Sandbox.Reclaim(dir);
        }

        var removed = layout.Prune(manifest.Deploy.KeepReleases, protect);
        if (removed.Count > 0)
        {
            reporter.Log($"pruned {removed.Count} old release(s): {string.Join(", ", removed)}");
        }
    }
}
