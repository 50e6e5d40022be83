using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>The envelope every step sent to an agent for an app carries; callers set the step itself.</summary>
internal static class StepCommands
{
    public static StepCommand New(string deploymentId, TimeSpan deadline, string manifestYaml, string environment, string app) => new()
    {
        StepId = Guid.NewGuid().ToString("N"),
        DeploymentId = deploymentId,
        DeadlineSeconds = (int)Math.Ceiling(deadline.TotalSeconds),
        ManifestYaml = manifestYaml,
        Environment = environment,
        DefaultApp = app,
    };

    /// <summary>The per-host deadline: <c>deploy.step_timeout</c>, or the coordinator's default.</summary>
    public static TimeSpan HostDeadline(AppManifest manifest, CoordinatorOptions options) =>
        manifest.Deploy.StepTimeout ?? options.ActivateDeadline;
}
