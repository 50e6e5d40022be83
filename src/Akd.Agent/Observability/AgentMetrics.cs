using System.Diagnostics.Metrics;
using Akd.Core.Metrics;

namespace Akd.Agent.Observability;

/// <summary>
/// The agent's instruments (meter <c>Akd.Agent</c>): the same kind as the coordinator's, seen from this
/// host. Exported only with <c>--metrics-port</c>, on loopback, in the Prometheus format.
/// </summary>
public sealed class AgentMetrics
{
    public const string MeterName = "Akd.Agent";

    private readonly StepInstruments _instruments;
    private readonly Counter<long> _lockWaits;
    private int _connected;

    public AgentMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _instruments = new StepInstruments(meter, "akd_agent_", "this agent");
        _lockWaits = meter.CreateCounter<long>("akd_agent_lock_waits", description: "Steps that waited for another step on the same deploy path or build workspace.");
        meter.CreateObservableGauge("akd_agent_connected", () => Volatile.Read(ref _connected), description: "1 while the agent's stream to the coordinator is open and welcomed, else 0.");
    }

    public void StepEnded(string step, bool ok, TimeSpan elapsed) => _instruments.StepEnded(step, ok ? "ok" : "failed", elapsed);

    public void PhaseEnded(string step, string phase, TimeSpan elapsed) => _instruments.PhaseEnded(step, phase, elapsed);

    public void ArtifactBytes(string direction, long bytes) => _instruments.ArtifactBytes(direction, bytes);

    /// <param name="source">"coordinator" or "peer".</param>
    public void ArtifactBytes(string direction, long bytes, string source) => _instruments.ArtifactBytes(direction, bytes, source);

    public void LockWaited() => _lockWaits.Add(1);

    public void SetConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);
}
