using System.Net;
using Akd.Contracts.V1;
using Akd.Core.Health;
using Akd.Core.Manifest;

namespace Akd.Agent.Releases;

/// <summary>
/// <c>deploy.start_overlap</c>: a cold restart boots the new VM while the old one shuts down. The old VM gets SIGTERM
/// (OTP's graceful <c>init:stop()</c>); as soon as it no longer listens on the health check's port, the new VM is
/// started, under the other of two node names (<c>RELEASE_NODE</c> and <c>RELEASE_NODE_b</c>, alternating), so the two
/// never share a name in epmd while the old one finishes its shutdown. The activation waits for the old VM to be gone
/// (SIGTERM, then <c>bin/APP stop</c>, then SIGKILL, as without overlap) before it concludes. With <c>shared_port</c>
/// the old VM is not signalled before the new one has passed its check (ReleaseActivator.SharedPort.cs).
/// </summary>
internal sealed partial class ReleaseActivator
{
    /// <summary>How often the old VM's listening socket is looked for in /proc while it shuts down.</summary>
    private static readonly TimeSpan OverlapPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The old VM the new one overlaps with.</summary>
    /// <param name="State">What it was started as (the run state before the new release's).</param>
    /// <param name="Endpoint">The health check's port, which the two VMs take turns on, or share.</param>
    /// <param name="Stopping">Its shutdown under way; null while it still serves (shared port).</param>
    private sealed record OldVm(int Pid, RunState State, IPEndPoint Endpoint, Task? Stopping)
    {
        public bool Serving => Stopping is null;
    }

    /// <summary>The other name of the pair a host alternates between with start overlap.</summary>
    internal static string AlternateNodeName(string name) => name.EndsWith("_b", StringComparison.Ordinal) ? name[..^2] : name + "_b";

    /// <summary>
    /// Stops what runs before the new release starts: entirely, or (start overlap) only until the old VM's port is free.
    /// </summary>
    /// <returns>The env the new release starts with (its node name may be the alternate one), and the old VM, still shutting down or still serving.</returns>
    private async Task<(IReadOnlyDictionary<string, string> Env, OldVm? Old)> StopBeforeStartAsync(IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var state = RunState.Read(layout.SharedDir);
        var mode = manifest.Deploy.StartOverlap;
        if (mode == StartOverlapMode.Off || state is null)
        {
            await StopRunningAsync(ct).ConfigureAwait(false);
            return (env, null);
        }

        var endpoint = PortOwner.LocalEndpointOf(manifest.Health, HealthTarget(env));
        var why = runner is not ReleaseScriptRunner ? RunnerBlocker(runner) ?? "the app does not run through its release script"
            : state.Pid is not { } alive || !ProcessSignals.IsAlive(alive) ? "the old VM's pid is not known to be running"
            : endpoint is null ? "the health check has no local port to watch"
            : !env.ContainsKey("RELEASE_NODE") ? "the app's env names no RELEASE_NODE"
            : null;
        if (why is not null)
        {
            reporter.Log($"start overlap{(mode == StartOverlapMode.SharedPort ? " (shared_port)" : "")}: no ({why}); the old VM is stopped first");
            await StopRunningAsync(ct).ConfigureAwait(false);
            return (env, null);
        }

        var pid = state.Pid!.Value;
        var startEnv = new Dictionary<string, string>(env, StringComparer.Ordinal);
        if (state.Env.GetValueOrDefault("RELEASE_NODE") == env["RELEASE_NODE"])
        {
            startEnv["RELEASE_NODE"] = AlternateNodeName(env["RELEASE_NODE"]);
        }

        if (mode == StartOverlapMode.SharedPort)
        {
            reporter.Log($"shared port: {state.ReleaseId} (pid {pid}) keeps serving on port {endpoint!.Port} while the new VM boots as {startEnv["RELEASE_NODE"]}; " +
                "it gets SIGTERM once the new VM listens there and passes the health check");
            return (startEnv, new OldVm(pid, state, endpoint, null));
        }

        reporter.Phase(Phase.Stop, $"stopping {state.ReleaseId}; the new VM starts as soon as port {endpoint!.Port} is free (start overlap)");
        var stopping = runner.StopAsync(layout.ReleaseDir(state.VmRelease), state, ct);
        await WaitForPortReleaseAsync(pid, endpoint, stopping, ct).ConfigureAwait(false);
        reporter.Log(stopping.IsCompleted
            ? $"the old VM (pid {pid}) has stopped; starting the new one as {startEnv["RELEASE_NODE"]}"
            : $"the old VM (pid {pid}) no longer listens on port {endpoint.Port}; starting the new one as {startEnv["RELEASE_NODE"]} while it shuts down");
        return (startEnv, new OldVm(pid, state, endpoint, stopping));
    }

    /// <summary>Returns once <paramref name="pid"/> holds no listening socket on <paramref name="endpoint"/>, or has stopped.</summary>
    private async Task WaitForPortReleaseAsync(int pid, IPEndPoint endpoint, Task stopping, CancellationToken ct)
    {
        while (!stopping.IsCompleted && PortOwner.ListenersOf(endpoint).Any(h => PortOwner.IsSelfOrDescendant(h, pid)))
        {
            await Task.Delay(OverlapPollInterval, clock, ct).ConfigureAwait(false);
        }

        if (stopping.IsCompleted)
        {
            await stopping.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the rest of the old VM's shutdown, first starting it where the old VM still serves and the new
    /// release passed its check (shared port); says whether the new release answered before the old VM was gone.
    /// </summary>
    /// <returns>The old VM when it still serves because the new release failed (a rollback keeps it); otherwise null.</returns>
    private async Task<OldVm?> FinishOldVmAsync(OldVm? old, string releaseId, HealthCheckResult health, CancellationToken ct)
    {
        if (old is null)
        {
            return null;
        }

        if (old.Serving)
        {
            if (!health.Healthy)
            {
                return ProcessSignals.IsAlive(old.Pid) ? old : null;
            }

            old = old with { Stopping = StopOldVmAsync(old, releaseId, ct) };
        }
        else if (health.Healthy && ProcessSignals.IsAlive(old.Pid))
        {
            reporter.Log($"start overlap: {releaseId} answered while the old VM (pid {old.Pid}, {old.State.ReleaseId}) was still shutting down");
        }

        await old.Stopping!.WaitAsync(ct).ConfigureAwait(false);
        return null;
    }

    private string HealthTarget(IReadOnlyDictionary<string, string> env) =>
        manifest.Health.Http is { } http ? EnvTemplate.Expand(http, env)
        : manifest.Health.Tcp is { } tcp ? EnvTemplate.Expand(tcp, env)
        : "";
}
