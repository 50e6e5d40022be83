using Akd.Contracts.V1;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// A host's step decided without the host's answer (its deadline passed, it was lost, the coordinator
/// restarted): what the host did is unknown, so a result that comes later still corrects the row. Such a row is
/// marked (<see cref="HostStatus.StateUnknown"/>, the store's host_steps.state_unknown) and its message says so.
/// </summary>
internal static class HostUnknown
{
    /// <summary>Ends the message of such a row (<see cref="DeploymentJournal.RecordHostAsync"/> adds it); a row corrected by the host's own result no longer does.</summary>
    public const string Note = " (the host's state is unknown)";

    public static bool Is(HostStatus row) => row.StateUnknown;

    /// <summary>Whether a step with this result leaves its host unknown: it failed for want of the host's answer.</summary>
    public static bool Of(StepResult result) => !result.Ok && result.NoAnswer;
}
