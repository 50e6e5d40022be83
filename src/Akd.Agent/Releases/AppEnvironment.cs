using System.Security.Cryptography;
using System.Text;
using Akd.Agent.Apps;
using Akd.Core.Manifest;

namespace Akd.Agent.Releases;

/// <summary>
/// The env an app gets on this host: the manifest's <c>deploy.env</c>, overridden by the agent's
/// <c>--app-env</c>, overridden by the agent's per-app env (where secrets live).
/// </summary>
internal static class AppEnvironment
{
    public static Dictionary<string, string> For(AppManifest manifest, AgentOptions options)
    {
        var env = new Dictionary<string, string>(manifest.Deploy.Env, StringComparer.Ordinal);
        foreach (var (key, value) in options.AppEnv)
        {
            env[key] = value;
        }

        if (options.Apps.TryGetValue(manifest.App, out var app))
        {
            foreach (var (key, value) in app.Env)
            {
                env[key] = value;
            }
        }

        // Several hosts of one app may share a machine (the demo, the tests): each needs its own node name.
        // So do two deploy paths of one app on one host (staging beside production): the same name would
        // keep the second VM from starting, and `bin/APP stop` of one would stop the other.
        if (!env.ContainsKey("RELEASE_NODE"))
        {
            env["RELEASE_NODE"] = $"{manifest.App}_{Sanitize(options.Name)}{PathSuffix(manifest, options)}";
        }

        return env;
    }

    /// <summary>Empty for the default deploy path (node names stay as they always were), else a short digest of the resolved path.</summary>
    private static string PathSuffix(AppManifest manifest, AgentOptions options) =>
        DeployPath.IsDefault(manifest, options)
            ? ""
            : "_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(DeployPath.Resolve(manifest, options))))[..6];

    private static string Sanitize(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray());
}
