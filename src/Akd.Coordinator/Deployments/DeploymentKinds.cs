using Akd.Contracts.V1;

namespace Akd.Coordinator.Deployments;

/// <summary>What a deployment in the history did (a <see cref="DeploymentKind"/>), and the step it runs on each host. All of them take the app's deploy lock.</summary>
public static class DeploymentKinds
{
    public static bool IsAppControl(this DeploymentKind kind) => kind is DeploymentKind.Start or DeploymentKind.Stop or DeploymentKind.Restart;

    public static bool IsAppControl(this StepKind step) => step is StepKind.Start or StepKind.Stop or StepKind.Restart;

    /// <summary>The step a fleet operation of this kind runs on each host (a deploy's targets activate).</summary>
    public static StepKind HostStep(this DeploymentKind kind) => kind switch
    {
        DeploymentKind.Deploy => StepKind.Activate,
        DeploymentKind.Rollback => StepKind.Rollback,
        DeploymentKind.Start => StepKind.Start,
        DeploymentKind.Stop => StepKind.Stop,
        DeploymentKind.Restart => StepKind.Restart,
        _ => StepKind.Unspecified,
    };
}
