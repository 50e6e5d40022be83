using System.Net;
using Akd.Contracts.V1;
using Akd.Core.Health;

namespace Akd.Agent.Releases;

/// <summary>
/// <c>deploy.start_overlap</c>: a cold restart boots the new VM while the old one shuts down. The old VM gets SIGTERM
/// (OTP's graceful <c>init:stop()</c>); as soon as it no longer listens on the health check's port, the new VM is
/// started, under the other of two node names (<c>RELEASE_NODE</c> and <c>RELEASE_NODE_b</c>, alternating), so the two
/// never share a name in epmd while the old one finishes its shutdown. The activation waits for the old VM to be gone
/// (SIGTERM, then <c>bin/APP stop</c>, then SIGKILL, as without overlap) before it concludes.
/// </summary>
internal sealed partial class ReleaseActivator
{
    /// <summary>How often the old VM's listening socket is looked for in /proc while it shuts down.</summary>
    private static readonly TimeSpan OverlapPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The old VM still shutting down while the new one starts.</summary>
    private sealed record OldShutdown(int Pid, string ReleaseId, Task Stopping);

    /// <summary>The other name of the pair a host alternates between with start overlap.</summary>
    internal static string AlternateNodeName(string name) => name.EndsWith("_b", StringComparison.Ordinal) ? name[..^2] : name + "_b";

    /// <summary>
    /// Stops what runs before the new release starts: entirely, or (start overlap) only until the old VM's port is free.
    /// </summary>
    /// <returns>The env the new release starts with (its node name may be the alternate one), and the old VM's shutdown still under way.</returns>
    private async Task<(IReadOnlyDictionary<string, string> Env, OldShutdown? Old)> StopBeforeStartAsync(IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var state = RunState.Read(layout.SharedDir);
        if (!manifest.Deploy.StartOverlap || state is null)
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
            reporter.Log($"start overlap: no ({why}); the old VM is stopped first");
            await StopRunningAsync(ct).ConfigureAwait(false);
            return (env, null);
        }

        var pid = state.Pid!.Value;
        var startEnv = new Dictionary<string, string>(env, StringComparer.Ordinal);
        if (state.Env.GetValueOrDefault("RELEASE_NODE") == env["RELEASE_NODE"])
        {
            startEnv["RELEASE_NODE"] = AlternateNodeName(env["RELEASE_NODE"]);
        }

        reporter.Phase(Phase.Stop, $"stopping {state.ReleaseId}; the new VM starts as soon as port {endpoint!.Port} is free (start overlap)");
        var stopping = runner.StopAsync(layout.ReleaseDir(state.VmRelease), state, ct);
        await WaitForPortReleaseAsync(pid, endpoint, stopping, ct).ConfigureAwait(false);
        reporter.Log(stopping.IsCompleted
            ? $"the old VM (pid {pid}) has stopped; starting the new one as {startEnv["RELEASE_NODE"]}"
            : $"the old VM (pid {pid}) no longer listens on port {endpoint.Port}; starting the new one as {startEnv["RELEASE_NODE"]} while it shuts down");
        return (startEnv, new OldShutdown(pid, state.ReleaseId, stopping));
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

    /// <summary>Waits for the rest of the old VM's shutdown; says whether the new release answered before it was over.</summary>
    private async Task FinishOldShutdownAsync(OldShutdown? old, string releaseId, HealthCheckResult health, CancellationToken ct)
    {
        if (old is null)
        {
            return;
        }

        if (health.Healthy && ProcessSignals.IsAlive(old.Pid))
        {
            reporter.Log($"start overlap: {releaseId} answered while the old VM (pid {old.Pid}, {old.ReleaseId}) was still shutting down");
        }

        await old.Stopping.WaitAsync(ct).ConfigureAwait(false);
    }

    private string HealthTarget(IReadOnlyDictionary<string, string> env) =>
        manifest.Health.Http is { } http ? EnvTemplate.Expand(http, env)
        : manifest.Health.Tcp is { } tcp ? EnvTemplate.Expand(tcp, env)
        : "";
}
