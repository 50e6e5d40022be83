using Akd.Core.Manifest;

namespace Akd.Agent.Apps;

internal static class DeployPath
{
    /// <summary>Relative <c>deploy.path</c> resolves under the agent's data dir; absolute ones are used as given.</summary>
    public static string Resolve(AppManifest manifest, AgentOptions options) =>
        Resolve(string.IsNullOrEmpty(manifest.Deploy.Path) ? Default(manifest) : manifest.Deploy.Path, options);

    /// <summary>True when the app deploys where it would without a <c>deploy.path</c>.</summary>
    public static bool IsDefault(AppManifest manifest, AgentOptions options) =>
        Resolve(manifest, options) == Resolve(Default(manifest), options);

    private static string Default(AppManifest manifest) => Path.Combine("apps", manifest.App);

    private static string Resolve(string path, AgentOptions options) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(options.DataDir, path));
}
