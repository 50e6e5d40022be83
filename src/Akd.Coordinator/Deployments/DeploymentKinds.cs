namespace Akd.Coordinator.Deployments;

/// <summary>What a deployment in the history did. All of them take the app's deploy lock.</summary>
public static class DeploymentKinds
{
    public const string Deploy = "deploy";
    public const string Rollback = "rollback";
    public const string Start = "start";
    public const string Stop = "stop";
    public const string Restart = "restart";

    public static bool IsAppControl(string kind) => kind is Start or Stop or Restart;
}
