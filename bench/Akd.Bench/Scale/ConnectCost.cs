using Akd.Bench.Infra;

namespace Akd.Bench.Scale;

/// <summary>
/// CPU time the coordinators and the load generator (this process) used per connection while a swarm connected:
/// the figure that says what a TLS handshake plus a hello costs, whatever else shares the cores (wall time does not).
/// </summary>
internal sealed class ConnectCost(IReadOnlyList<int> coordinators, int connections)
{
    private TimeSpan _coordinatorsAtStart;
    private TimeSpan _generatorAtStart;

    /// <summary>Coordinators' CPU time per connection, summed over them.</summary>
    public TimeSpan Coordinator { get; private set; }

    /// <summary>The load generator's CPU time per connection (the fake agents' side: what each real agent pays once).</summary>
    public TimeSpan Generator { get; private set; }

    /// <summary>Called when the first connection starts (after enrollment).</summary>
    public void Start()
    {
        _coordinatorsAtStart = Sum();
        _generatorAtStart = ProcStats.CpuTime(Environment.ProcessId);
    }

    /// <summary>Called when every connection was welcomed.</summary>
    public void Stop()
    {
        Coordinator = (Sum() - _coordinatorsAtStart) / connections;
        Generator = (ProcStats.CpuTime(Environment.ProcessId) - _generatorAtStart) / connections;
    }

    public override string ToString() => $"{Coordinator.TotalMilliseconds:0.00} ms / {Generator.TotalMilliseconds:0.00} ms";

    private TimeSpan Sum() => coordinators.Aggregate(TimeSpan.Zero, (total, pid) => total + ProcStats.CpuTime(pid));
}
