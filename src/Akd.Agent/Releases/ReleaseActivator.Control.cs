using Akd.Agent.Reporting;
using Akd.Contracts.V1;

namespace Akd.Agent.Releases;

/// <summary>Fleet commands on the current release: start, stop, restart. They never switch <c>current</c>.</summary>
internal sealed partial class ReleaseActivator
{
    public async Task<AppControlOutput> StartCurrentAsync(IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var current = layout.CurrentReleaseId() ?? throw new StepFailedException($"nothing is deployed in {layout.Root}: deploy first");
        var output = new AppControlOutput { Action = DeploymentKind.Start, ReleaseId = current };
        if (RunState.Read(layout.SharedDir) is { Pid: { } pid } state && state.ReleaseId == current && ProcessSignals.IsAlive(pid))
        {
            reporter.Log($"release {current} already runs as pid {pid}");
            output.Running = true;
            output.Pid = pid;
            return output;
        }

        // Whatever an earlier release left behind goes first, so the port is free.
        await StopRunningAsync(ct).ConfigureAwait(false);
        layout.WriteEnvFile(env);
        var health = await StartAndCheckAsync(current, env, ct).ConfigureAwait(false);
        output.HealthTarget = health.Target;
        output.HealthDetail = health.Detail;
        var started = RunState.Read(layout.SharedDir);
        output.Running = started?.Pid is { } p && ProcessSignals.IsAlive(p);
        output.Pid = started?.Pid ?? 0;
        if (!health.Healthy)
        {
            // Left running so its logs and state can be looked at; the step fails so the rollout stops.
            throw new StepFailedException($"started {current}, but its health check failed: {health.Detail}");
        }

        return output;
    }

    public async Task<AppControlOutput> StopCurrentAsync(IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var current = layout.CurrentReleaseId();
        if (RunState.Read(layout.SharedDir) is null && current is not null)
        {
            // Started before the agent kept a run state (or by hand): the release script still finds it by node name.
            new RunState(current, null, new Dictionary<string, string>(env)).Write(layout.SharedDir);
        }

        await StopRunningAsync(ct).ConfigureAwait(false);
        return new AppControlOutput { Action = DeploymentKind.Stop, ReleaseId = current ?? "", Running = false };
    }

    public async Task<AppControlOutput> RestartCurrentAsync(IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        await StopCurrentAsync(env, ct).ConfigureAwait(false);
        var output = await StartCurrentAsync(env, ct).ConfigureAwait(false);
        output.Action = DeploymentKind.Restart;
        return output;
    }
}
