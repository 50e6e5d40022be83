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
        if (!env.ContainsKey("RELEASE_NODE"))
        {
            env["RELEASE_NODE"] = $"{manifest.App}_{Sanitize(options.Name)}";
        }

        return env;
    }

    private static string Sanitize(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray());
}
