using Akd.Core.Builders;

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

    /// <summary>
    /// <see cref="For"/> plus the rebar3 Mix is to use (<c>MIX_REBAR3</c>: the build_env's, this process's, or
    /// the one on the PATH), for what runs mix outside the build: the source strategy's app and hooks. Mix
    /// looks for rebar3 again whenever it loads a rebar3 dependency, and would ask to install one. A path
    /// to a tool, not a secret: nothing else of the build_env goes along.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> ForMix(AgentOptions options)
    {
        var env = new Dictionary<string, string?>(For(options));
        if (options.BuildEnv.TryGetValue(MixTools.Rebar3Variable, out var configured) && configured.Length > 0)
        {
            env[MixTools.Rebar3Variable] = configured;
        }

        MixTools.PreferRebar3OnPath(env);
        return env;
    }
}
