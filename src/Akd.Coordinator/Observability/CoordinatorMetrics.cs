using System.Diagnostics.Metrics;
using Akd.Coordinator.Agents;
using Akd.Core.Metrics;

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
    private readonly Counter<long> _delivered;
    private readonly StepInstruments _instruments;
    private readonly Counter<long> _lockConflicts;
    private readonly Histogram<double> _storeDuration;

    public CoordinatorMetrics(IMeterFactory meters, AgentRegistry agents)
    {
        var meter = meters.Create(MeterName);
        _deployments = meter.CreateCounter<long>("akd_deployments", description: "Deployments (deploys, rollbacks, start/stop/restart) that ended, by kind and result.");
        _instruments = new StepInstruments(meter, "akd_", "agents");
        _delivered = meter.CreateCounter<long>("akd_artifact_delivered", "By",
            "Release bytes the targets received, as they reported them, by deployment, host and source (coordinator, peer): fan-out at a glance.");
        _lockConflicts = meter.CreateCounter<long>("akd_deploy_lock_waits", description: "Deployments that found their app and environment locked by another one (refused, or waiting with --wait).");
        _storeDuration = meter.CreateHistogram<double>("akd_store_operation_duration", "s", "Store latency: one operation on the coordinator's database, waiting for the connection included.");
        meter.CreateObservableGauge("akd_agents_connected", () => ObserveAgents(agents), description: "Agents connected right now, by state (idle, busy).");
    }

    public void DeploymentEnded(string kind, string result) =>
        _deployments.Add(1, new("kind", kind), new("result", result));

    public void StepEnded(string step, string result, TimeSpan elapsed) => _instruments.StepEnded(step, result, elapsed);

    public void PhaseEnded(string step, string phase, TimeSpan elapsed) => _instruments.PhaseEnded(step, phase, elapsed);

    public void ArtifactBytes(string direction, long bytes) => _instruments.ArtifactBytes(direction, bytes);

    /// <summary>A target's report of where its copy of the deployment's release came from.</summary>
    public void ArtifactDelivered(string deploymentId, string host, long fromCoordinator, long fromPeers)
    {
        _delivered.Add(fromCoordinator, new("deployment", deploymentId), new("host", host), new("source", "coordinator"));
        _delivered.Add(fromPeers, new("deployment", deploymentId), new("host", host), new("source", "peer"));
    }

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
