using Akd.Core.Manifest;

namespace Akd.Agent.Releases;

internal static class DeployPath
{
    /// <summary>Relative <c>deploy.path</c> resolves under the agent's data dir; absolute ones are used as given.</summary>
    public static string Resolve(AppManifest manifest, AgentOptions options)
    {
        var path = string.IsNullOrEmpty(manifest.Deploy.Path) ? Path.Combine("apps", manifest.App) : manifest.Deploy.Path;
        return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(options.DataDir, path));
    }
}
