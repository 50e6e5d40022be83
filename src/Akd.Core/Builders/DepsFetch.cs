using System.Security.Cryptography;
using System.Text;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// Hex and rebar3 for Mix (<see cref="MixPrerequisites"/>), then <c>mix deps.get --only ENV</c>, skipped when the build workspace already holds what it would fetch.
/// A warm rebuild after a code change then saves a whole mix boot (about 0.4 s on 2 cores), which is
/// a large part of rebuilding a small app.
/// </summary>
/// <remarks>
/// After a successful fetch, a stamp in <c>deps/</c> records a fingerprint of everything that decides
/// what deps.get does: MIX_ENV, the toolchain, <c>.tool-versions</c>, <c>mix.lock</c>, every
/// <c>mix.exs</c> of the project (umbrella apps and in-tree path deps too) and the names of the
/// directories in <c>deps/</c>. Any change to those, a deleted dependency directory, or a missing
/// stamp (a clean workspace, or a fetch that failed half-way) runs deps.get again.
/// </remarks>
internal static class DepsFetch
{
    private const int MixExsSearchDepth = 3;
    private static readonly HashSet<string> NotProjectDirs = new(StringComparer.Ordinal) { "deps", "_build", "node_modules", ".git", ".elixir_ls" };

    public static async Task FetchAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        log = SecretMask.Wrap(log, context.BuildEnv.Values);

        // Hex and rebar3 first, then again after the fetch: it may bring Erlang deps no file named before.
        var ensured = await MixPrerequisites.EnsureAsync(context, MixDependencies.Needs.None, log, ct).ConfigureAwait(false);
        await FetchDepsAsync(context, log, ct).ConfigureAwait(false);
        await MixPrerequisites.EnsureAsync(context, ensured, log, ct).ConfigureAwait(false);
    }

    private static async Task FetchDepsAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        var mixEnv = context.Manifest.Build.MixEnv;
        var depsDir = Path.Combine(context.ProjectDir, "deps");
        var stamp = StampPath(context.ProjectDir, mixEnv);
        if (File.Exists(stamp) && await File.ReadAllTextAsync(stamp, ct).ConfigureAwait(false) == Fingerprint(context))
        {
            log(new OutputLine("agent", "dependencies unchanged since the last build (mix.exs, mix.lock, deps/): skipping mix deps.get"));
            return;
        }

        // Removed first: a fetch that fails or is cancelled half-way must not leave an old stamp that passes.
        if (File.Exists(stamp))
        {
            File.Delete(stamp);
        }

        await MixPrerequisites.AuthorizeOrganizationsAsync(context, log, ct).ConfigureAwait(false);
        await BuildCommand.MixAsync(context, ["deps.get", "--only", mixEnv], log, ct).ConfigureAwait(false);
        Directory.CreateDirectory(depsDir);
        await File.WriteAllTextAsync(stamp, Fingerprint(context), ct).ConfigureAwait(false);
    }

    internal static string StampPath(string projectDir, string mixEnv) =>
        Path.Combine(projectDir, "deps", $".akd-deps-get-{mixEnv}");

    internal static string Fingerprint(BuildContext context)
    {
        var projectDir = context.ProjectDir;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string label, string value) => hash.AppendData(Encoding.UTF8.GetBytes($"{label}\0{value}\0"));
        void AddFile(string relative)
        {
            var path = Path.Combine(projectDir, relative);
            Add(relative, File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "(none)");
        }

        Add("mix_env", context.Manifest.Build.MixEnv);
        Add("toolchain", context.Manifest.Build.Toolchain.ToString());
        AddFile(".tool-versions");
        AddFile("mix.lock");
        foreach (var mixExs in MixExsFiles(projectDir))
        {
            AddFile(mixExs);
        }

        var depsDir = Path.Combine(projectDir, "deps");
        IEnumerable<string?> fetched = Directory.Exists(depsDir)
            ? Directory.EnumerateDirectories(depsDir).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            : [];
        Add("deps", string.Join('\n', fetched));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Every mix.exs in the project tree (relative paths), in a stable order, outside dependency and build output.</summary>
    internal static IEnumerable<string> MixExsFiles(string projectDir) => MixExsFiles(projectDir, "", MixExsSearchDepth);

    private static IEnumerable<string> MixExsFiles(string projectDir, string relative, int depth)
    {
        var dir = Path.Combine(projectDir, relative);
        if (File.Exists(Path.Combine(dir, "mix.exs")))
        {
            yield return Path.Combine(relative, "mix.exs");
        }

        if (depth == 0)
        {
            yield break;
        }

        var children = Directory.EnumerateDirectories(dir)
            .Select(Path.GetFileName)
            .Where(name => name is not null && !NotProjectDirs.Contains(name) && new DirectoryInfo(Path.Combine(dir, name)).LinkTarget is null)
            .Order(StringComparer.Ordinal);
        foreach (var child in children)
        {
            foreach (var found in MixExsFiles(projectDir, Path.Combine(relative, child!), depth - 1))
            {
                yield return found;
            }
        }
    }
}
