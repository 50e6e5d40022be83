using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>A deployment that passed every check and is ready to run: who builds, who receives it.</summary>
public sealed record DeploymentPlan(
    Deployment Record,
    AppManifest Manifest,
    string ManifestYaml,
    string Environment,
    SourceSpec Source,
    string BuildAgent,
    IReadOnlyList<string> Targets);
