using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// A fleet operation ready to run on the app's targets (rollback, start, stop, restart), with the
/// manifest the app was last deployed with.
/// </summary>
public sealed record OperationPlan(
    Deployment Record,
    AppManifest Manifest,
    string ManifestYaml,
    string Environment,
    IReadOnlyList<string> Targets)
{
    /// <summary>An operation resumed after a coordinator restart: the hosts whose step ended before it.</summary>
    public IReadOnlyList<HostOutcome> DoneBefore { get; init; } = [];
}
