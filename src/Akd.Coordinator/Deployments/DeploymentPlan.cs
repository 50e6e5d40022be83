using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>A deployment that passed every check and is ready to run: who builds, who receives it.</summary>
/// <param name="BuildAgent">Empty for the source strategy and for a <see cref="Prebuilt"/> release.</param>
public sealed record DeploymentPlan(
    Deployment Record,
    AppManifest Manifest,
    string ManifestYaml,
    string Environment,
    SourceSpec Source,
    string BuildAgent,
    IReadOnlyList<string> Targets)
{
    /// <summary>The release akdctl built and uploaded (local-build): no build step runs.</summary>
    public BuildOutput? Prebuilt { get; init; }

    /// <summary>Strategy <c>source</c>: the app version akdctl read from mix.exs; empty when the targets must read it.</summary>
    public string SourceVersion { get; init; } = "";

    /// <summary>A rollout resumed after a coordinator restart: the hosts whose step ended before it.</summary>
    public IReadOnlyList<HostOutcome> DoneBefore { get; init; } = [];

    /// <summary>A resumed rollout: the hosts whose step ran when the coordinator stopped (the batch in flight).</summary>
    public IReadOnlyList<string> InFlightAtRestart { get; init; } = [];
}
