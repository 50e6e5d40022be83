using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Akd.Agent.Observability;

/// <summary>
/// The agent's instruments (meter <c>Akd.Agent</c>): the same kind as the coordinator's, seen from this
/// host. Exported only with <c>--metrics-port</c>, on loopback, in the Prometheus format.
/// </summary>
public sealed class AgentMetrics
{
    public const string MeterName = "Akd.Agent";

    private readonly Counter<long> _steps;
    private readonly Histogram<double> _stepDuration;
    private readonly Histogram<double> _phaseDuration;
    private readonly Counter<long> _artifactBytes;
    private readonly Counter<long> _lockWaits;
    private int _connected;

    public AgentMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _steps = meter.CreateCounter<long>("akd_agent_steps", description: "Steps this agent ran, by step kind and result (ok, failed).");
        _stepDuration = meter.CreateHistogram<double>("akd_agent_step_duration", "s", "How long one step took on this agent, by step kind and result.");
        _phaseDuration = meter.CreateHistogram<double>("akd_agent_phase_duration", "s", "How long this agent spent in one phase of a step.");
        _artifactBytes = meter.CreateCounter<long>("akd_agent_artifact", "By", "Artifact bytes downloaded (direction=in) and uploaded (direction=out), by source (coordinator, peer).");
        _lockWaits = meter.CreateCounter<long>("akd_agent_lock_waits", description: "Steps that waited for another step on the same deploy path or build workspace.");
        meter.CreateObservableGauge("akd_agent_connected", () => Volatile.Read(ref _connected), description: "1 while the agent's stream to the coordinator is open and welcomed, else 0.");
    }

    public void StepEnded(string step, bool ok, TimeSpan elapsed)
    {
        var tags = new TagList { { "step", step }, { "result", ok ? "ok" : "failed" } };
        _steps.Add(1, tags);
        _stepDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void PhaseEnded(string step, string phase, TimeSpan elapsed) =>
        _phaseDuration.Record(elapsed.TotalSeconds, new("step", step), new("phase", phase));

    public void ArtifactBytes(string direction, long bytes) =>
        _artifactBytes.Add(bytes, new("direction", direction), new("source", "coordinator"));

    public void LockWaited() => _lockWaits.Add(1);

    public void SetConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);
}
