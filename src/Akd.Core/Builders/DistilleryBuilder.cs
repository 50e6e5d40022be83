using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// Distillery 2.x: <c>mix deps.get --only ENV</c>, then <c>MIX_ENV=ENV mix distillery.release --env=ENV</c>.
/// Distillery assembles the release in <c>_build/ENV/rel/APP</c> and writes its own tarball at
/// <c>releases/VSN/APP.tar.gz</c> inside it. That tarball is used when it verifies. Distillery 2.1.1 on
/// OTP 25 is known to fail while packaging (<c>==&gt; Failed to archive release: ...</c>, exit code 1)
/// after assembling a working directory, leaving no tarball or a stub: then, as when a tarball written
/// with exit code 0 does not verify, the directory is verified and packed instead, and the log says so.
/// Any other failure fails the build with distillery's own error in the message. A broken release is
/// never returned. With <c>deploy.upgrade: hot | auto</c> and a release the targets run, distillery builds an
/// upgrade from it (<c>--upgrade --upfrom=OLD</c>, see <see cref="DistilleryUpgradeBase"/>).
/// </summary>
internal sealed class DistilleryBuilder : IReleaseBuilder
{
    public async Task<BuiltRelease> BuildAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        var app = context.Manifest.App;
        var mixEnv = context.Manifest.Build.MixEnv;
        var requireErts = context.Manifest.Build.IncludeErts;
        await BuildCommand.PrepareToolchainAsync(context, log, ct).ConfigureAwait(false);
        await DepsFetch.FetchAsync(context, log, ct).ConfigureAwait(false);
        var releaseDir = Path.Combine(context.ProjectDir, "_build", mixEnv, "rel", app);
        var (upgradeArgs, facts) = DistilleryUpgradeBase.Prepare(context, releaseDir, log, ct);
        var (exit, output) = await ReleaseAsync(context, mixEnv, upgradeArgs, log, ct).ConfigureAwait(false);
        if (exit.Code != 0 && upgradeArgs.Count > 0 && output.ArchiveFault is null)
        {
            var why = $"{exit.Plain}: {output.Error()}";
            if (context.Upgrade == UpgradeMode.Hot)
            {
                throw new BuildFailedException($"deploy.upgrade is hot, but distillery could not build the upgrade from {context.UpgradeFrom!.Version}: {why}");
            }

            // auto: the targets restart into a plain build instead, and say why.
            facts = DistilleryUpgradeBase.Blocked($"distillery could not build the upgrade from {context.UpgradeFrom!.Version} ({why}); building without --upgrade", log);
            upgradeArgs = [];
            (exit, output) = await ReleaseAsync(context, mixEnv, upgradeArgs, log, ct).ConfigureAwait(false);
        }

        BuiltRelease built;
        if (exit.Code != 0)
        {
            if (output.ArchiveFault is not { } fault)
            {
                throw new BuildFailedException($"{exit.Plain}: {output.Error()}");
            }

            built = await PackAfterArchiveFaultAsync(releaseDir, app, requireErts, exit, fault, output.Building?.Version, context.OutputDir, log, ct)
                .ConfigureAwait(false);
        }
        else
        {
            var version = BuiltVersion(releaseDir, context.ProjectDir)
                ?? throw new BuildFailedException($"distillery left no releases/start_erl.data in {releaseDir} and mix.exs names no literal version: cannot tell which release it built");
            built = await SelectArtifactAsync(releaseDir, app, version, requireErts, context.OutputDir, log, ct).ConfigureAwait(false);
        }

        facts = upgradeArgs.Count > 0 ? DistilleryUpgradeBase.Facts(context, releaseDir, built.Version, log) : facts;

        // As for mix release: with hot, a release the running one cannot be upgraded to fails before any host is touched.
        if (context.Upgrade == UpgradeMode.Hot && context.UpgradeFrom is not null && facts is { Blockers.Count: > 0 })
        {
            throw new BuildFailedException($"deploy.upgrade is hot, but {built.Version} cannot be hot-upgraded to: {string.Join("; ", facts.Blockers)}");
        }

        return built with { Upgrade = facts };
    }

    private static async Task<(CommandExit Exit, DistilleryOutput Output)> ReleaseAsync(
        BuildContext context, string mixEnv, IReadOnlyList<string> upgradeArgs, Action<OutputLine> log, CancellationToken ct)
    {
        var output = new DistilleryOutput();
        var exit = await BuildCommand.MixUncheckedAsync(context, ["distillery.release", $"--env={mixEnv}", .. upgradeArgs], line =>
        {
            output.Add(line);
            log(line);
        }, ct).ConfigureAwait(false);
        return (exit, output);
    }

    /// <summary>
    /// Distillery exited non-zero at its known archive fault, after assembling the release: its tarball
    /// (missing, or a stub with only <c>releases/start_erl.data</c>) is not used; the assembled directory is,
    /// if it verifies and holds the version distillery said it was building.
    /// </summary>
    internal static async Task<BuiltRelease> PackAfterArchiveFaultAsync(
        string releaseDir, string app, bool requireErts, CommandExit exit, string fault, string? buildingVersion, string outputDir,
        Action<OutputLine> log, CancellationToken ct)
    {
        var failed = $"{exit.Plain} at distillery's known archive fault on recent OTP (\"{fault}\")";
        ReleaseVerifier.Layout assembled;
        try
        {
            assembled = ReleaseVerifier.VerifyDirectory(releaseDir, app, requireErts);
        }
        catch (BuildFailedException ex)
        {
            throw new BuildFailedException($"{failed}, and the assembled release directory does not verify: {ex.Message}; nothing was uploaded");
        }

        if (buildingVersion is not null && assembled.Version != buildingVersion)
        {
            throw new BuildFailedException($"{failed}, and the assembled release directory holds version {assembled.Version}, " +
                $"not the {buildingVersion} distillery was building; nothing was uploaded");
        }

        log(new OutputLine("agent", $"{failed}, after assembling the release; {releaseDir} verifies " +
            $"(bin/{app}, releases/{assembled.Version}{(assembled.ErtsVersion is { } erts ? $", erts-{erts}" : "")}): " +
            "packaging the assembled release directory instead of distillery's tarball"));
        return await PackDirectoryAsync(releaseDir, app, assembled, outputDir, log, ct).ConfigureAwait(false);
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

        log(new OutputLine("agent", $"{problem}; packaging the assembled release directory {releaseDir} instead"));

        return await PackDirectoryAsync(releaseDir, app, assembled, outputDir, log, ct).ConfigureAwait(false);
    }

    /// <summary>Packs the assembled directory, leaving out the tool's tarballs: build output, not part of a runnable release.</summary>
    private static Task<BuiltRelease> PackDirectoryAsync(
        string releaseDir, string app, ReleaseVerifier.Layout assembled, string outputDir, Action<OutputLine> log, CancellationToken ct)
    {
        var toolTarballs = $"/{app}.tar.gz";
        return MixReleaseBuilder.PackAsync(releaseDir, app, assembled, outputDir,
            path => !(path.StartsWith("releases/", StringComparison.Ordinal) && path.EndsWith(toolTarballs, StringComparison.Ordinal)),
            log, ct);
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
