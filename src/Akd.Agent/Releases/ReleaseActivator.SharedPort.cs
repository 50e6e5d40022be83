using Akd.Contracts.V1;
using Akd.Core.Releases;

namespace Akd.Agent.Releases;

/// <summary>
/// <c>deploy.start_overlap: shared_port</c>: the app binds its port with SO_REUSEPORT, so the new VM boots and listens
/// while the old one still serves, and nothing is unreachable in between. The new VM's health check counts only
/// connections the new VM accepted (<see cref="SharedPortConnector"/>): on a shared port the kernel may hand any of
/// them to the old VM. Only once it passed does the old VM get SIGTERM; the activation waits for it to be gone.
/// When the new VM fails to boot, to listen or to pass its check, it is stopped and the old VM, which never stopped
/// serving, is current again: a failed deploy costs no downtime.
/// </summary>
internal sealed partial class ReleaseActivator
{
    /// <summary>The old VM the new one shares the port with while it is checked; null when the old VM does not serve any more.</summary>
    private static OldVm? SharingWith(OldVm? old) => old is { Serving: true } ? old : null;

    /// <summary>The old VM an activation the agent died in left serving beside the new one (shared port), if it still runs.</summary>
    private OldVm? StillServing(PendingActivation pending) =>
        pending.StillServing is { Pid: { } pid } state && ProcessSignals.IsAlive(pid)
        && PortOwner.LocalEndpointOf(manifest.Health, HealthTarget(state.Env)) is { } endpoint
            ? new OldVm(pid, state, endpoint, null)
            : null;

    private Task StopOldVmAsync(OldVm old, string releaseId, CancellationToken ct)
    {
        // Read from /proc, not assumed: the evidence that nothing was unreachable in between.
        var listeners = PortOwner.ListenersOf(old.Endpoint).Order();
        reporter.Phase(Phase.Stop, $"stopping {old.State.ReleaseId} (pid {old.Pid}): {releaseId} passed its health check on the shared port");
        reporter.Log($"shared port: port {old.Endpoint.Port} is listened on by pid {string.Join(", ", listeners)}; sending the old VM (pid {old.Pid}) SIGTERM");
        return runner.StopAsync(layout.ReleaseDir(old.State.VmRelease), old.State with { Pid = old.Pid }, ct);
    }

    /// <summary>After a failed shared-port start: stops the new VM and makes the old one, still serving, current again.</summary>
    /// <returns>What the host went back to; null where the old VM does not serve any more (an ordinary rollback follows).</returns>
    private async Task<string?> KeepServingAsync(
        OldVm? serving, IReadOnlyDictionary<string, string> previousEnv, string? previousId, string deploymentId, CancellationToken ct)
    {
        if (serving is null || previousId is null || serving.State.ReleaseId != previousId || !ProcessSignals.IsAlive(serving.Pid))
        {
            return null;
        }

        reporter.Phase(Phase.Rollback, $"stopping the new VM; {previousId} (pid {serving.Pid}) never stopped serving and stays");
        await StopRunningAsync(ct).ConfigureAwait(false);
        layout.WriteEnvFile(previousEnv);
        layout.SwitchCurrent(previousId);
        var state = serving.State with { Pid = serving.Pid };
        state.Write(layout.SharedDir);

        var health = await CheckAsync(previousId, state.Env, serving.Pid, ct).ConfigureAwait(false);
        layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), previousId, deploymentId, health.Healthy ? "rolled-back" : "rolled-back-unhealthy"));
        var outcome = health.Healthy
            ? $"kept {previousId}, which served throughout (pid {serving.Pid})"
            : $"kept {previousId} (pid {serving.Pid}), but it is not healthy either: {health.Detail}";
        reporter.Log(outcome);
        return outcome;
    }
}
