namespace Akd.Agent.Builds;

/// <summary>
/// Mix needs a writable home for its archives and caches; a service account may have none, so the
/// agent points HOME, MIX_HOME and HEX_HOME into its own data dir when they are unset.
/// </summary>
internal static class BuildEnvironment
{
    public static IReadOnlyDictionary<string, string?> For(AgentOptions options)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home) || !Directory.Exists(home))
        {
            home = Path.Combine(options.DataDir, "home");
            Directory.CreateDirectory(home);
            env["HOME"] = home;
        }

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MIX_HOME")))
        {
            env["MIX_HOME"] = Path.Combine(home, ".mix");
        }

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HEX_HOME")))
        {
            env["HEX_HOME"] = Path.Combine(home, ".hex");
        }

        return env;
    }
}
