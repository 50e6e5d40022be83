using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// Distillery 2.x: <c>mix deps.get --only ENV</c>, then <c>MIX_ENV=ENV mix distillery.release --env=ENV</c>.
/// Distillery assembles the release in <c>_build/ENV/rel/APP</c> and writes its own tarball at
/// <c>releases/VSN/APP.tar.gz</c> inside it. That tarball is used when it verifies; distillery 2.1 on
/// recent OTP is known to write an incomplete one while the assembled directory works, so then the
/// directory is packed instead, and the log says so. A broken release is never returned.
/// </summary>
internal sealed class DistilleryBuilder : IReleaseBuilder
{
    public async Task<BuiltRelease> BuildAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        var app = context.Manifest.App;
        var mixEnv = context.Manifest.Build.MixEnv;
        await BuildCommand.PrepareToolchainAsync(context, log, ct).ConfigureAwait(false);
        await DepsFetch.FetchAsync(context, log, ct).ConfigureAwait(false);
        await BuildCommand.MixAsync(context, ["distillery.release", $"--env={mixEnv}"], log, ct).ConfigureAwait(false);

        var releaseDir = Path.Combine(context.ProjectDir, "_build", mixEnv, "rel", app);
        var version = BuiltVersion(releaseDir, context.ProjectDir)
            ?? throw new BuildFailedException($"distillery left no releases/start_erl.data in {releaseDir} and mix.exs names no literal version: cannot tell which release it built");
        return await SelectArtifactAsync(releaseDir, app, version, context.Manifest.Build.IncludeErts, context.OutputDir, log, ct).ConfigureAwait(false);
    }

    /// <summary>Distillery's own tarball when it is complete; otherwise the assembled directory, packed here.</summary>
    internal static async Task<BuiltRelease> SelectArtifactAsync(
        string releaseDir, string app, string version, bool requireErts, string outputDir, Action<OutputLine> log, CancellationToken ct)
    {
        var toolTarball = Path.Combine(releaseDir, "releases", version, $"{app}.tar.gz");
        string problem;
        if (File.Exists(toolTarball))
        {
            try
            {
                var layout = await ReleaseVerifier.VerifyTarballAsync(toolTarball, app, version, requireErts, ct).ConfigureAwait(false);
                Directory.CreateDirectory(outputDir);
                var artifact = Path.Combine(outputDir, $"{app}-{version}.tar.gz");
                File.Copy(toolTarball, artifact, overwrite: true);
                log(new OutputLine("agent", $"using distillery's tarball releases/{version}/{app}.tar.gz: it holds bin/{app}, releases/{version}" +
                    (layout.ErtsVersion is null ? "" : $", erts-{layout.ErtsVersion}")));
                return await MixReleaseBuilder.DescribeAsync(artifact, app, layout, log, ct).ConfigureAwait(false);
            }
            catch (BuildFailedException ex)
            {
                problem = $"distillery's tarball releases/{version}/{app}.tar.gz is unusable ({ex.Message})";
            }
        }
        else
        {
            problem = $"distillery wrote no tarball at releases/{version}/{app}.tar.gz";
        }

        ReleaseVerifier.Layout assembled;
        try
        {
            assembled = ReleaseVerifier.VerifyDirectory(releaseDir, app, requireErts);
        }
        catch (BuildFailedException ex)
        {
            throw new BuildFailedException($"{problem}, and the assembled release directory is broken too: {ex.Message}; nothing was uploaded");
        }

        if (assembled.Version != version)
        {
            throw new BuildFailedException($"{problem}, and the assembled release directory holds version {assembled.Version}, not {version}; nothing was uploaded");
        }

        log(new OutputLine("agent", $"{problem}; packaging the assembled release directory {releaseDir} instead (known distillery 2.1 fault on recent OTP)"));

        // The tool's tarballs are build output, not part of a runnable release: leave them out.
        var toolTarballs = $"/{app}.tar.gz";
        return await MixReleaseBuilder.PackAsync(releaseDir, app, assembled, outputDir,
            path => !(path.StartsWith("releases/", StringComparison.Ordinal) && path.EndsWith(toolTarballs, StringComparison.Ordinal)),
            log, ct).ConfigureAwait(false);
    }

    /// <summary>The version distillery just built: <c>start_erl.data</c> is rewritten on every build; mix.exs is the fallback.</summary>
    private static string? BuiltVersion(string releaseDir, string projectDir)
    {
        var startErl = Path.Combine(releaseDir, "releases", "start_erl.data");
        if (File.Exists(startErl))
        {
            var parts = File.ReadAllText(startErl).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2)
            {
                return parts[1];
            }
        }

        return MixProject.TryRead(projectDir)?.Version;
    }
}
