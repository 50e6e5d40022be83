using Akd.Contracts.V1;

namespace Akd.Coordinator.Agents;

/// <summary>An agent whose stream another live replica holds.</summary>
public sealed record RemoteAgent(string Name, IReadOnlyDictionary<string, string> Labels, string Replica);

/// <summary>
/// The agents connected to other replicas sharing the store, reached through it: what <see cref="AgentRegistry"/>
/// turns to for an agent not connected here (<see cref="Routing.ReplicaRouter"/> on PostgreSQL; none on SQLite).
/// </summary>
public interface IRemoteAgents
{
    /// <summary>Agents online on another live replica.</summary>
    Task<IReadOnlyList<RemoteAgent>> OnlineElsewhereAsync(CancellationToken ct);

    /// <summary>
    /// Runs a step on <paramref name="agent"/> through the replica holding its stream, as
    /// <see cref="AgentRegistry.RunStepAsync"/> does here; null when no live replica holds it.
    /// </summary>
    Task<StepResult?> RunStepAsync(string agent, StepCommand command, Action<AgentMessage> onEvent, TimeSpan deadline, CancellationToken ct);

    /// <summary>Tells the replica holding <paramref name="agent"/> that its result of <paramref name="stepId"/> is stored.</summary>
    void Acknowledge(string agent, string stepId);

    /// <summary>
    /// A step's output or result that arrived on this replica's own stream of the agent (it moved here in the middle
    /// of a step routed elsewhere): handed to the step waiting for it; false when none waits here.
    /// </summary>
    bool TryDeliver(string stepId, AgentMessage message);
}
