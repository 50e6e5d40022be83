namespace Akd.Agent.Releases;

/// <summary>
/// The variable every app the agent starts carries in its environment, inherited by what it starts in turn
/// (run_erl, the VM, epmd): its deploy path. The agent tells its own app from an unrelated process that got its
/// pid later by it, and the package's purge finds the apps to stop by it, wherever <c>deploy.path</c> is.
/// </summary>
internal static class AppMarker
{
    public const string Variable = "AKD_DEPLOY_PATH";

    /// <summary>The deploy path a release directory (<c>DEPLOY_PATH/releases/ID</c>) belongs to.</summary>
    public static string DeployPathOf(string releaseDir) =>
        Path.GetDirectoryName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(releaseDir))!)!;
}
