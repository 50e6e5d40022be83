using System.Security.Cryptography;
using Akd.Core.Archives;
using Akd.Core.Processes;
using Akd.Core.Upgrades;

namespace Akd.Core.Builders;

/// <summary>
/// Elixir's built-in releases: <c>mix deps.get --only ENV</c> (when deps changed, see <see cref="DepsFetch"/>), then <c>MIX_ENV=ENV mix release</c>.
/// The tarball is made here from the assembled release directory, so it does not depend on the
/// project listing <c>:tar</c> in its release steps, and it is verified before anyone sees it.
/// </summary>
internal sealed class MixReleaseBuilder : IReleaseBuilder
{
    public async Task<BuiltRelease> BuildAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        var app = context.Manifest.App;
        var mixEnv = context.Manifest.Build.MixEnv;
        await BuildCommand.PrepareToolchainAsync(context, log, ct).ConfigureAwait(false);
        await DepsFetch.FetchAsync(context, log, ct).ConfigureAwait(false);
        // Without a releases: config (a fresh `mix new` project) there is only the default release,
        // named after the app, and `mix release NAME` would refuse it as unknown.
        IReadOnlyList<string> release = DefinesReleases(context.ProjectDir) ? ["release", app, "--overwrite"] : ["release", "--overwrite"];
        await BuildCommand.MixAsync(context, release, log, ct).ConfigureAwait(false);

        var releaseDir = Path.Combine(context.ProjectDir, "_build", mixEnv, "rel", app);
        var layout = ReleaseVerifier.VerifyDirectory(releaseDir, app, context.Manifest.Build.IncludeErts);
        log(new OutputLine("agent", $"release {app} {layout.Version} assembled at {releaseDir}" +
            (layout.ErtsVersion is null ? " (without ERTS)" : $" (ERTS {layout.ErtsVersion})")));

        var upgrade = await BuildUpgrade.PrepareAsync(context, releaseDir, layout.Version, log, ct).ConfigureAwait(false);
        var built = await PackAsync(releaseDir, app, layout, context.OutputDir, include: null, log, ct).ConfigureAwait(false);
        return built with { Upgrade = upgrade };
    }

    private static bool DefinesReleases(string projectDir)
    {
        var mixExs = Path.Combine(projectDir, "mix.exs");
        return !File.Exists(mixExs) || File.ReadLines(mixExs).Any(line => !line.TrimStart().StartsWith('#') && line.Contains("releases:", StringComparison.Ordinal));
    }

    /// <summary>Packs an assembled release directory and checks the tarball holds what the directory did.</summary>
    /// <param name="include">Which relative paths to pack; null packs everything.</param>
    internal static async Task<BuiltRelease> PackAsync(
        string releaseDir, string app, ReleaseVerifier.Layout layout, string outputDir, Func<string, bool>? include, Action<OutputLine> log, CancellationToken ct)
    {
        Directory.CreateDirectory(outputDir);
        var tarball = Path.Combine(outputDir, $"{app}-{layout.Version}.tar.gz");
        await using (var file = new FileStream(tarball, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await TarGz.CreateFromDirectoryAsync(releaseDir, include ?? (static _ => true), file, ct).ConfigureAwait(false);
        }

        await ReleaseVerifier.VerifyTarballAsync(tarball, app, layout, ct).ConfigureAwait(false);
        return await DescribeAsync(tarball, app, layout, log, ct).ConfigureAwait(false);
    }

    /// <summary>Hashes a verified tarball and says what it is.</summary>
    internal static async Task<BuiltRelease> DescribeAsync(string tarball, string app, ReleaseVerifier.Layout layout, Action<OutputLine> log, CancellationToken ct)
    {
        string sha256;
        long size;
        await using (var file = File.OpenRead(tarball))
        {
            size = file.Length;
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false));
        }

        log(new OutputLine("agent", $"artifact {Path.GetFileName(tarball)}: {size} bytes, sha256 {sha256}"));
        return new BuiltRelease(tarball, sha256, size, app, layout.Version, layout.ErtsVersion);
    }
}
