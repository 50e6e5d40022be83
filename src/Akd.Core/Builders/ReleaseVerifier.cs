using System.Formats.Tar;
using System.IO.Compression;

namespace Akd.Core.Builders;

/// <summary>
/// Checks that a release holds <c>bin/APP</c>, <c>releases/VSN</c> and, when asked, ERTS,
/// so that a broken build is stopped on the build host instead of on production.
/// </summary>
public static class ReleaseVerifier
{
    public sealed record Layout(string Version, string? ErtsVersion);

    public static Layout VerifyDirectory(string releaseDir, string app, bool requireErts)
    {
        if (!Directory.Exists(releaseDir))
        {
            throw new BuildFailedException($"the build produced no release at {releaseDir} (does mix.exs define a release named '{app}'?)");
        }

        var script = Path.Combine(releaseDir, "bin", app);
        if (!File.Exists(script))
        {
            throw new BuildFailedException($"the release has no bin/{app}");
        }

        if ((File.GetUnixFileMode(script) & UnixFileMode.UserExecute) == 0)
        {
            throw new BuildFailedException($"bin/{app} is not executable");
        }

        var (version, erts) = ReadStartErlData(releaseDir);
        if (!Directory.Exists(Path.Combine(releaseDir, "releases", version)))
        {
            throw new BuildFailedException($"the release has no releases/{version}");
        }

        var ertsDirs = Directory.GetDirectories(releaseDir, "erts-*");
        if (requireErts && ertsDirs.Length == 0)
        {
            throw new BuildFailedException("the release does not include ERTS, but akd.yaml sets build.include_erts: true " +
                "(set include_erts: true for the release in mix.exs, or include_erts: false in akd.yaml)");
        }

        return new Layout(version, ertsDirs.Length > 0 ? erts : null);
    }

    /// <summary>Reads the tarball back and checks the same entries are in it.</summary>
    public static async Task VerifyTarballAsync(string tarball, string app, Layout expected, CancellationToken ct)
    {
        var names = await ReadEntryNamesAsync(tarball, ct).ConfigureAwait(false);
        var required = new List<string> { $"bin/{app}", $"releases/{expected.Version}" };
        if (expected.ErtsVersion is not null)
        {
            required.Add($"erts-{expected.ErtsVersion}");
        }

        ThrowIfMissing(names, required);
    }

    /// <summary>
    /// Checks a tarball a tool wrote (distillery's) on its own: <c>bin/APP</c>, <c>releases/VSN</c> and,
    /// when <paramref name="requireErts"/>, an <c>erts-*</c> directory. Returns what it holds.
    /// </summary>
    public static async Task<Layout> VerifyTarballAsync(string tarball, string app, string version, bool requireErts, CancellationToken ct)
    {
        var names = await ReadEntryNamesAsync(tarball, ct).ConfigureAwait(false);
        var required = new List<string> { $"bin/{app}", $"releases/{version}" };
        var erts = names.Where(n => n.StartsWith("erts-", StringComparison.Ordinal) && !n.Contains('/')).Order(StringComparer.Ordinal).LastOrDefault();
        if (requireErts && erts is null)
        {
            required.Add("erts-*");
        }

        ThrowIfMissing(names, required);
        return new Layout(version, erts?["erts-".Length..]);
    }

    /// <summary>Every entry's name, plus its parent directories: some tools (erl_tar) write no directory entries.</summary>
    private static async Task<HashSet<string>> ReadEntryNamesAsync(string tarball, CancellationToken ct)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var file = File.OpenRead(tarball);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var reader = new TarReader(gzip);
            while (await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
            {
                var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name.TrimStart('/');
                name = name.TrimEnd('/');
                for (var slash = name.Length; slash > 0; slash = name.LastIndexOf('/', slash - 1))
                {
                    names.Add(name[..slash]);
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new BuildFailedException($"the release tarball {tarball} is unreadable: {ex.Message}");
        }

        return names;
    }

    private static void ThrowIfMissing(HashSet<string> names, List<string> required)
    {
        var missing = required.Where(r => !names.Contains(r)).ToList();
        if (missing.Count > 0)
        {
            throw new BuildFailedException($"the release tarball is incomplete: it lacks {string.Join(", ", missing)}");
        }
    }

    /// <summary><c>releases/start_erl.data</c> is "ERTS_VSN REL_VSN", written by both mix release and distillery.</summary>
    private static (string Version, string Erts) ReadStartErlData(string releaseDir)
    {
        var path = Path.Combine(releaseDir, "releases", "start_erl.data");
        if (!File.Exists(path))
        {
            throw new BuildFailedException("the release has no releases/start_erl.data, so its version is unknown");
        }

        var parts = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            throw new BuildFailedException($"releases/start_erl.data is malformed: '{File.ReadAllText(path).Trim()}'");
        }

        return (parts[1], parts[0]);
    }
}
