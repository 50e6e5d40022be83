using Akd.Agent.Steps;
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
internal sealed class ReleaseActivator(
    ReleaseLayout layout, AppManifest manifest, IAppRunner runner, HttpClient http, TimeProvider clock, StepReporter reporter)
{
    /// <summary>The deploy's after-activate and after-start hooks; null for rollbacks and restarts.</summary>
    public IActivationHooks? Hooks { get; init; }

    /// <param name="env">The final env for the app on this host.</param>
    /// <param name="result">What revisions.log records on success: "deployed" or "rolled-back".</param>
    public async Task<ActivateOutput> ActivateAsync(string releaseId, IReadOnlyDictionary<string, string> env, string deploymentId, string result, CancellationToken ct)
    {
        var previousId = layout.CurrentReleaseId();
        var output = new ActivateOutput { ReleaseId = releaseId, DeployPath = layout.Root, PreviousReleaseId = previousId ?? "" };

        var previousState = RunState.Read(layout.SharedDir);
        await StopRunningAsync(ct).ConfigureAwait(false);

        layout.WriteEnvFile(env);
        reporter.Phase("switch", $"current -> releases/{releaseId}");
        layout.SwitchCurrent(releaseId);

        var releaseDir = layout.ReleaseDir(releaseId);
        var hookFailure = await RunHookAsync(Hooks is null ? null : c => Hooks.AfterActivateAsync(releaseDir, c), ct).ConfigureAwait(false);
        var health = hookFailure is null
            ? await StartAndCheckAsync(releaseId, env, ct).ConfigureAwait(false)
            : new HealthCheckResult(false, "", "not started", 0);
        if (health.Healthy)
        {
            hookFailure = await RunHookAsync(Hooks is null ? null : c => Hooks.AfterStartAsync(releaseDir, c), ct).ConfigureAwait(false);
        }

        output.HealthTarget = health.Target;
        output.HealthDetail = health.Detail;
        if (health.Healthy && hookFailure is null)
        {
            layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), releaseId, deploymentId, result));
            Prune(releaseId, previousId);
            return output;
        }

        layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), releaseId, deploymentId, "failed"));
        if (Hooks is not null)
        {
            await Hooks.FailedAsync(ct).ConfigureAwait(false);
        }

        var rolledBackTo = await RollBackAsync(previousState?.Env ?? env, previousId, deploymentId, ct).ConfigureAwait(false);
        output.RolledBack = rolledBackTo is not null;
        var message = (hookFailure ?? $"health check of {releaseId} failed: {health.Detail}") +
            (rolledBackTo is null ? "; there was no previous release to go back to" : $"; rolled back to {rolledBackTo}");
        throw new ActivationFailedException(message, output);
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

        reporter.Phase("stop", $"stopping {state.ReleaseId}");
        await runner.StopAsync(layout.ReleaseDir(state.ReleaseId), state, ct).ConfigureAwait(false);
        RunState.Clear(layout.SharedDir);
    }

    private async Task<HealthCheckResult> StartAndCheckAsync(string releaseId, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var releaseDir = layout.ReleaseDir(releaseId);
        reporter.Phase("start", $"starting {releaseId}");
        await runner.StartAsync(releaseDir, env, ct).ConfigureAwait(false);

        reporter.Phase("health", "waiting for the health check");
        var health = await new HealthChecker(http).CheckAsync(manifest.Health, env, releaseDir, null, reporter.Log, ct).ConfigureAwait(false);

        // Whatever answered, the new release's own node must be up: an old process that kept the
        // port would otherwise pass the check for it.
        var pid = await runner.GetPidAsync(releaseDir, env, ct).ConfigureAwait(false);
        new RunState(releaseId, pid, new Dictionary<string, string>(env)).Write(layout.SharedDir);
        if (pid is null)
        {
            return health with
            {
                Healthy = false,
                Detail = health.Healthy ? "the health check answered, but the new release's node is not running" : health.Detail,
            };
        }

        reporter.Log($"release {releaseId} runs as pid {pid}");
        return health;
    }

    /// <param name="previousEnv">The env the previous release ran with (this deploy's env if it was not running).</param>
    private async Task<string?> RollBackAsync(IReadOnlyDictionary<string, string> previousEnv, string? previousId, string deploymentId, CancellationToken ct)
    {
        reporter.Phase("rollback", previousId is null ? "stopping the failed release" : $"going back to {previousId}");
        await StopRunningAsync(ct).ConfigureAwait(false);
        if (previousId is null || !Directory.Exists(layout.ReleaseDir(previousId)))
        {
            return null;
        }

        layout.WriteEnvFile(previousEnv);
        layout.SwitchCurrent(previousId);
        var health = await StartAndCheckAsync(previousId, previousEnv, ct).ConfigureAwait(false);
        layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), previousId, deploymentId, health.Healthy ? "rolled-back" : "rolled-back-unhealthy"));
        reporter.Log(health.Healthy ? $"rolled back to {previousId}, healthy" : $"rolled back to {previousId}, but it is not healthy either: {health.Detail}");
        return previousId;
    }

    private void Prune(string current, string? previous)
    {
        var protect = previous is null ? new[] { current } : [current, previous];
        var removed = layout.Prune(manifest.Deploy.KeepReleases, protect);
        if (removed.Count > 0)
        {
            reporter.Log($"pruned {removed.Count} old release(s): {string.Join(", ", removed)}");
        }
    }
}
