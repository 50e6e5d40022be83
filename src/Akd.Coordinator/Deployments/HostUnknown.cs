using Akd.Contracts.V1;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// A host's step decided without the host's answer (its deadline passed, it was lost, the coordinator
/// restarted): what the host did is unknown, so a result that comes later still corrects the row.
/// </summary>
internal static class HostUnknown
{
    /// <summary>Ends the message of such a row; a row corrected by the host's own result no longer does.</summary>
    public const string Note = " (the host's state is unknown)";

    public static bool Is(HostStatus row) => row.State == StepState.Failed && row.Message.EndsWith(Note, StringComparison.Ordinal);
}
