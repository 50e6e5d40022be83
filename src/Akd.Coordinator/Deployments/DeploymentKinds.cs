using Akd.Contracts.V1;

namespace Akd.Coordinator.Deployments;

/// <summary>What a deployment in the history did (the text of each <see cref="DeploymentKind"/>). All of them take the app's deploy lock.</summary>
public static class DeploymentKinds
{
    public static readonly string Deploy = DeploymentKind.Deploy.Text();
    public static readonly string Rollback = DeploymentKind.Rollback.Text();
    public static readonly string Start = DeploymentKind.Start.Text();
    public static readonly string Stop = DeploymentKind.Stop.Text();
    public static readonly string Restart = DeploymentKind.Restart.Text();

    public static bool IsAppControl(string kind) => Vocabulary.Parse<DeploymentKind>(kind) is DeploymentKind.Start or DeploymentKind.Stop or DeploymentKind.Restart;
}
