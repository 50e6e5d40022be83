using System.Text.RegularExpressions;

namespace Akd.Core.Builders;

/// <summary>
/// What a project's dependencies need from Mix before they can be fetched and compiled: Hex for Hex
/// packages, rebar3 for Erlang dependencies built by rebar3. Read from the files, without running Mix
/// (which would ask, on a closed stdin, to install what is missing): <c>mix.lock</c>, the
/// <c>mix.exs</c> of the project and of its path dependencies, and what <c>deps/</c> already holds.
/// </summary>
internal static partial class MixDependencies
{
    /// <summary>Files by which Mix decides that a dependency without mix.exs is built by rebar3.</summary>
    private static readonly string[] RebarFiles = ["rebar.config", "rebar.config.script", "rebar.lock", "rebar"];

    /// <summary>Why each tool is needed (for the log and the error), or null when it is not.</summary>
    internal sealed record Needs(string? Hex, string? Rebar3)
    {
        public static readonly Needs None = new(null, null);
    }

    public static Needs Detect(string projectDir)
    {
        string? hex = null;
        string? rebar3 = null;
        var lockFile = Path.Combine(projectDir, "mix.lock");
        if (File.Exists(lockFile))
        {
            foreach (var line in File.ReadLines(lockFile))
            {
                if (LockHexEntry().Match(line) is { Success: true } entry)
                {
                    hex ??= "mix.lock pins Hex packages";
                    if (entry.Groups["managers"].Value.Contains(":rebar3", StringComparison.Ordinal))
                    {
                        rebar3 ??= $"Hex package :{entry.Groups["name"].Value} is built by rebar3 (mix.lock)";
                    }
                }
            }
        }

        var visited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mixExs in ProjectMixFiles(projectDir, visited))
        {
            var shown = Path.GetRelativePath(projectDir, mixExs);
            foreach (var dep in DeclaredDeps(mixExs))
            {
                if (dep.IsHex)
                {
                    hex ??= $"{shown} asks for Hex package :{dep.Name}";
                }

                if (dep.RebarManager)
                {
                    rebar3 ??= $"{shown} builds :{dep.Name} with manager: :rebar3";
                }

                if (dep.Path is { } path && BuiltByRebar(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(mixExs)!, path))) is { } file)
                {
                    rebar3 ??= $"path dependency :{dep.Name} has {file} and no mix.exs";
                }
            }
        }

        var depsDir = Path.Combine(projectDir, "deps");
        if (rebar3 is null && Directory.Exists(depsDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(depsDir).Order(StringComparer.Ordinal))
            {
                if (BuiltByRebar(dir) is { } file)
                {
                    rebar3 = $"dependency :{Path.GetFileName(dir)} has {file} and no mix.exs";
                    break;
                }
            }
        }

        return new Needs(hex, rebar3);
    }

    /// <summary>The Hex organizations the project fetches private packages from (<c>organization: "acme"</c>, or <c>hexpm:acme</c> in mix.lock).</summary>
    public static IReadOnlyList<string> Organizations(string projectDir)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var lockFile = Path.Combine(projectDir, "mix.lock");
        if (File.Exists(lockFile))
        {
            foreach (Match repo in LockOrganization().Matches(File.ReadAllText(lockFile)))
            {
                found.Add(repo.Groups[1].Value);
            }
        }

        foreach (var mixExs in ProjectMixFiles(projectDir, new HashSet<string>(StringComparer.Ordinal)))
        {
            foreach (var dep in DeclaredDeps(mixExs).Where(d => d.Organization is not null))
            {
                found.Add(dep.Organization!);
            }
        }

        return [.. found];
    }

    /// <summary>The rebar file that makes Mix build <paramref name="dir"/> with rebar3, or null.</summary>
    private static string? BuiltByRebar(string dir) =>
        Directory.Exists(dir) && !File.Exists(Path.Combine(dir, "mix.exs"))
            ? RebarFiles.FirstOrDefault(f => File.Exists(Path.Combine(dir, f)))
            : null;

    /// <summary>The project's mix.exs files (umbrella apps, in-tree path deps) and those of path deps outside the tree.</summary>
    private static IEnumerable<string> ProjectMixFiles(string projectDir, HashSet<string> visited)
    {
        var pending = new Queue<string>(DepsFetch.MixExsFiles(projectDir).Select(relative => Path.GetFullPath(Path.Combine(projectDir, relative))));
        while (pending.TryDequeue(out var mixExs))
        {
            if (!visited.Add(mixExs))
            {
                continue;
            }

            yield return mixExs;
            foreach (var dep in DeclaredDeps(mixExs))
            {
                var depMixExs = dep.Path is null ? null : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(mixExs)!, dep.Path, "mix.exs"));
                if (depMixExs is not null && File.Exists(depMixExs))
                {
                    pending.Enqueue(depMixExs);
                }
            }
        }
    }

    private sealed record Dep(string Name, bool IsHex, bool RebarManager, string? Path, string? Organization);

    /// <summary>Dependency tuples (<c>{:name, "~> 1.0"}</c>, <c>{:name, path: "..."}</c>, ...) in a mix.exs, full-line comments skipped.</summary>
    private static IEnumerable<Dep> DeclaredDeps(string mixExs)
    {
        var code = string.Join('\n', File.ReadLines(mixExs).Where(line => !line.TrimStart().StartsWith('#')));
        foreach (Match tuple in DepTuple().Matches(code))
        {
            var name = tuple.Groups["name"].Value;
            var body = tuple.Groups["body"].Value;
            var path = PathOption().Match(body) is { Success: true } p ? p.Groups[1].Value : null;
            var elsewhere = path is not null || OtherScm().IsMatch(body);
            var isHex = !elsewhere && (body.TrimStart().StartsWith('"') || HexOption().IsMatch(body));
            var rebar = RebarManagerOption().IsMatch(body);
            var organization = isHex && OrganizationOption().Match(body) is { Success: true } o ? o.Groups["org"].Value : null;
            if (isHex || rebar || path is not null || elsewhere)
            {
                yield return new Dep(name, isHex, rebar, path, organization);
            }
        }
    }

    [GeneratedRegex(@"\{:hex,\s*:(?<name>[A-Za-z0-9_]+),[^\[]*(?<managers>\[[^\]]*\])")]
    private static partial Regex LockHexEntry();

    [GeneratedRegex(@"\{\s*:(?<name>[a-z_][A-Za-z0-9_]*)\s*,(?<body>[^{}]*)\}")]
    private static partial Regex DepTuple();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])path:\s*""([^""]+)""")]
    private static partial Regex PathOption();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(git|github|in_umbrella):")]
    private static partial Regex OtherScm();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(hex|organization|repo):")]
    private static partial Regex HexOption();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(organization:\s*""(?<org>[^""]+)""|repo:\s*""hexpm:(?<org>[^""]+)"")")]
    private static partial Regex OrganizationOption();

    [GeneratedRegex(@"""hexpm:([A-Za-z0-9_\-]+)""")]
    private static partial Regex LockOrganization();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])manager:\s*:rebar3")]
    private static partial Regex RebarManagerOption();
}
