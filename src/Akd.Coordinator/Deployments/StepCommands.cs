using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>The envelope every step sent to an agent for an app carries, with its spec; callers set the step itself.</summary>
internal static class StepCommands
{
    /// <summary>A step for the build agent: it carries a <see cref="BuildSpec"/>.</summary>
    public static StepCommand ForBuild(string deploymentId, TimeSpan deadline, AppManifest manifest)
    {
        var command = New(deploymentId, deadline);
        command.BuildSpec = StepSpecs.Build(manifest);
        return command;
    }

    /// <summary>A step on a target host: it carries an <see cref="ActivateSpec"/>.</summary>
    public static StepCommand ForTarget(string deploymentId, TimeSpan deadline, AppManifest manifest)
    {
        var command = New(deploymentId, deadline);
        command.ActivateSpec = StepSpecs.Activate(manifest);
        return command;
    }

    /// <summary>The per-host deadline: <c>deploy.step_timeout</c>, or the coordinator's default.</summary>
    public static TimeSpan HostDeadline(AppManifest manifest, CoordinatorOptions options) =>
        manifest.Deploy.StepTimeout ?? options.ActivateDeadline;

    private static StepCommand New(string deploymentId, TimeSpan deadline) => new()
    {
        StepId = Guid.NewGuid().ToString("N"),
        DeploymentId = deploymentId,
        DeadlineSeconds = (int)Math.Ceiling(deadline.TotalSeconds),
    };
}
