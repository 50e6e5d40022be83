using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akd.Coordinator.Agents;

namespace Akd.Coordinator.Observability;

/// <summary>
/// The coordinator's instruments (meter <c>Akd.Coordinator</c>), exported at <c>/metrics</c> in the
/// Prometheus format: OpenTelemetry appends the unit (<c>_seconds</c>, <c>_bytes</c>) and, for counters,
/// <c>_total</c> to the names below.
/// </summary>
public sealed class CoordinatorMetrics
{
    public const string MeterName = "Akd.Coordinator";

    private readonly Counter<long> _deployments;
    private readonly Counter<long> _steps;
    private readonly Histogram<double> _stepDuration;
    private readonly Histogram<double> _phaseDuration;
    private readonly Counter<long> _artifactBytes;
    private readonly Counter<long> _lockConflicts;
    private readonly Histogram<double> _storeDuration;

    public CoordinatorMetrics(IMeterFactory meters, AgentRegistry agents)
    {
        var meter = meters.Create(MeterName);
        _deployments = meter.CreateCounter<long>("akd_deployments", description: "Deployments (deploys, rollbacks, start/stop/restart) that ended, by kind and result.");
        _steps = meter.CreateCounter<long>("akd_steps", description: "Steps run on agents, by step and result (ok, failed, no_answer).");
        _stepDuration = meter.CreateHistogram<double>("akd_step_duration", "s", "How long one step took on one host, by step and result.");
        _phaseDuration = meter.CreateHistogram<double>("akd_phase_duration", "s", "How long a host spent in one phase of a step (download, unpack, switch, health...).");
        _artifactBytes = meter.CreateCounter<long>("akd_artifact", "By", "Artifact bytes received (direction=in) and sent (direction=out), by source (coordinator, peer).");
        _lockConflicts = meter.CreateCounter<long>("akd_deploy_lock_waits", description: "Deployments that found their app and environment locked by another one (refused, or waiting with --wait).");
        _storeDuration = meter.CreateHistogram<double>("akd_store_operation_duration", "s", "Store latency: one operation on the coordinator's database, waiting for the connection included.");
        meter.CreateObservableGauge("akd_agents_connected", () => ObserveAgents(agents), description: "Agents connected right now, by state (idle, busy).");
    }

    public void DeploymentEnded(string kind, string result) =>
        _deployments.Add(1, new("kind", kind), new("result", result));

    public void StepEnded(string step, string result, TimeSpan elapsed)
    {
        var tags = new TagList { { "step", step }, { "result", result } };
        _steps.Add(1, tags);
        _stepDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void PhaseEnded(string step, string phase, TimeSpan elapsed) =>
        _phaseDuration.Record(elapsed.TotalSeconds, new("step", step), new("phase", phase));

    public void ArtifactBytes(string direction, long bytes) =>
        _artifactBytes.Add(bytes, new("direction", direction), new("source", "coordinator"));

    public void LockConflict(string kind) => _lockConflicts.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void StoreOperation(string operation, TimeSpan elapsed) =>
        _storeDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));

    private static IEnumerable<Measurement<int>> ObserveAgents(AgentRegistry agents)
    {
        var online = agents.Online;
        var busy = online.Count(a => Volatile.Read(ref a.RunningSteps) > 0);
        yield return new Measurement<int>(online.Count - busy, new KeyValuePair<string, object?>("state", "idle"));
        yield return new Measurement<int>(busy, new KeyValuePair<string, object?>("state", "busy"));
    }
}
