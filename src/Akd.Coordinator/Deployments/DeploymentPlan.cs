using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>A deployment that passed every check and is ready to run: who builds (empty for the source strategy), who receives it.</summary>
public sealed record DeploymentPlan(
    Deployment Record,
    AppManifest Manifest,
    string ManifestYaml,
    string Environment,
    SourceSpec Source,
    string BuildAgent,
    IReadOnlyList<string> Targets)
{
    /// <summary>Strategy <c>source</c>: the app version akdctl read from mix.exs; empty when the targets must read it.</summary>
    public string SourceVersion { get; init; } = "";
}
