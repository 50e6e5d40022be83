namespace Akd.Core.Builders;

/// <summary>
/// Where Mix (1.14) looks for Hex and rebar3, resolved against a build's env: a variable set for the
/// build wins over this process's. Mix never looks for rebar3 on the PATH itself, only at
/// <c>MIX_REBAR3</c> and its own copy under <c>MIX_HOME</c>; so a <c>rebar3</c> found on the PATH is
/// handed to it as <c>MIX_REBAR3</c>.
/// </summary>
public static class MixTools
{
    public const string Rebar3Variable = "MIX_REBAR3";

    /// <summary>The value a child started with <paramref name="env"/> would see for <paramref name="name"/>; empty counts as unset.</summary>
    public static string? Variable(IReadOnlyDictionary<string, string?> env, string name)
    {
        var value = env.TryGetValue(name, out var set) ? set : Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    public static string MixHome(IReadOnlyDictionary<string, string?> env) =>
        Variable(env, "MIX_HOME") ?? Path.Combine(Variable(env, "HOME") ?? "/", ".mix");

    public static string ArchivesDir(IReadOnlyDictionary<string, string?> env) =>
        Variable(env, "MIX_ARCHIVES") ?? Path.Combine(MixHome(env), "archives");

    /// <summary>The version of the Hex archive installed for Mix (<c>archives/hex-VSN</c>), or null.</summary>
    public static string? HexVersion(IReadOnlyDictionary<string, string?> env)
    {
        var archives = ArchivesDir(env);
        return Directory.Exists(archives)
            ? Directory.EnumerateDirectories(archives, "hex-*")
                .Select(dir => Path.GetFileName(dir)["hex-".Length..])
                .Where(version => version.Length > 0)
                .Order(StringComparer.Ordinal)
                .LastOrDefault()
            : null;
    }

    /// <summary>The rebar3 Mix will run: <c>MIX_REBAR3</c>, else one on the PATH, else Mix's own copy in <c>MIX_HOME</c>; null when there is none.</summary>
    public static Rebar3? FindRebar3(IReadOnlyDictionary<string, string?> env)
    {
        if (Variable(env, Rebar3Variable) is { } configured)
        {
            return new Rebar3(configured, $"{Rebar3Variable}={configured}");
        }

        if (FindOnPath("rebar3", env) is { } onPath)
        {
            return new Rebar3(onPath, $"{onPath} from the PATH, as {Rebar3Variable}");
        }

        var elixirDirs = Path.Combine(MixHome(env), "elixir");
        var local = Directory.Exists(elixirDirs)
            ? Directory.EnumerateDirectories(elixirDirs).Select(dir => Path.Combine(dir, "rebar3")).Where(File.Exists).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        return local is null ? null : new Rebar3(local, $"Mix's own copy {local}");
    }

    /// <summary>Sets <c>MIX_REBAR3</c> to the <c>rebar3</c> on the PATH when the build does not name one.</summary>
    public static void PreferRebar3OnPath(IDictionary<string, string?> env)
    {
        var view = env.AsReadOnly();
        if (Variable(view, Rebar3Variable) is null && FindOnPath("rebar3", view) is { } onPath)
        {
            env[Rebar3Variable] = onPath;
        }
    }

    /// <summary>The first executable file named <paramref name="program"/> in the PATH the build would see.</summary>
    public static string? FindOnPath(string program, IReadOnlyDictionary<string, string?> env)
    {
        foreach (var dir in (Variable(env, "PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A rebar3 Mix can use: its path, and how it was found (for the build log).</summary>
    public sealed record Rebar3(string Path, string Source);
}
