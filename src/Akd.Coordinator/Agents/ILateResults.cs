using Akd.Contracts.V1;

namespace Akd.Coordinator.Agents;

/// <summary>
/// Where a step result goes when no step waits for it: the coordinator restarted during the step, or
/// gave up on it. Implemented by the deployments, which know what the step was part of.
/// </summary>
public interface ILateResults
{
    /// <summary>Records what <paramref name="result"/> says <paramref name="agent"/> did, when its deployment still wants to know; a duplicate changes nothing.</summary>
    Task RecordAsync(string agent, StepResult result, CancellationToken ct);
}
