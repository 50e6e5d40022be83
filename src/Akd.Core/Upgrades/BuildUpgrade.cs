using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Upgrades;

/// <summary>An unpacked release the targets run: its root and version.</summary>
public sealed record PreviousReleaseDir(string Root, string Version);

/// <summary>What a build tells the targets about hot-upgrading to it.</summary>
/// <param name="RelupFrom">The version the release's relup upgrades from; null when it has none.</param>
/// <param name="Blockers">Why a hot upgrade cannot work; empty when it can.</param>
public sealed record UpgradeFacts(string? RelupFrom, IReadOnlyList<string> Blockers);

/// <summary>
/// The build half of <c>deploy.upgrade: hot | auto</c> for <c>mix release</c>: generate the appups and relup
/// from the release the targets run into the assembled release, before it is packed. With <c>hot</c>, a
/// release that cannot be hot-upgraded from the one the targets run fails the build, before any host is touched.
/// </summary>
public static class BuildUpgrade
{
    /// <summary>
    /// What a build reports about upgrading hot (the agent's and akdctl's local build alike): nothing when the manifest
    /// restarts; otherwise what the build found, or, where it looked for nothing (distillery), that the release is cold-restarted.
    /// </summary>
    public static UpgradeFacts? Report(BuiltRelease built, AppManifest manifest) =>
        manifest.Deploy.Upgrade == UpgradeMode.Restart
            ? null
            : new UpgradeFacts(built.Upgrade?.RelupFrom, built.Upgrade?.Blockers ?? [$"{manifest.Build.Tool} releases are cold-restarted"]);

    public static async Task<UpgradeFacts?> PrepareAsync(BuildContext context, string releaseDir, string version, Action<OutputLine> log, CancellationToken ct)
    {
        if (context.Upgrade == UpgradeMode.Restart)
        {
            return null;
        }

        // An earlier build in the same _build directory may have left one for another version pair.
        File.Delete(Path.Combine(releaseDir, "releases", version, "relup"));
        var facts = context.UpgradeFrom is not { } previous
            ? new UpgradeFacts(null, [context.UpgradeFromMissing ?? "no previous release known"])
            : await GenerateAsync(context, previous, releaseDir, version, log, ct).ConfigureAwait(false);
        foreach (var blocker in facts.Blockers)
        {
            log(new OutputLine("agent", $"no hot upgrade: {blocker}"));
        }

        // Without a previous release there is nothing running to upgrade (a first deploy): the targets just start it.
        if (context.Upgrade == UpgradeMode.Hot && context.UpgradeFrom is not null && facts.Blockers.Count > 0)
        {
            throw new BuildFailedException($"deploy.upgrade is hot, but {version} cannot be hot-upgraded to: {string.Join("; ", facts.Blockers)}");
        }

        return facts;
    }

    private static async Task<UpgradeFacts> GenerateAsync(
        BuildContext context, PreviousReleaseDir previous, string releaseDir, string version, Action<OutputLine> log, CancellationToken ct)
    {
        log(new OutputLine("agent", $"generating appups and the relup {previous.Version} -> {version}"));
        try
        {
            var plan = await RelupGenerator.GenerateAsync(new RelupRequest
            {
                OldRoot = previous.Root,
                OldVsn = previous.Version,
                NewRoot = releaseDir,
                NewVsn = version,
                ReleaseName = context.Manifest.App,
                AppupsDir = Path.Combine(context.ProjectDir, "rel", "appups"),
                Environment = context.ToolEnvironment(),
                Timeout = context.CommandTimeout,
            }, line =>
            {
                if (line.Stream != OutputLine.StdOut)
                {
                    log(line);
                }
            }, ct).ConfigureAwait(false);
            foreach (var appup in plan.Appups)
            {
                log(new OutputLine("agent", $"appup {appup.App} {appup.FromVsn} -> {appup.ToVsn} ({appup.Source})" +
                    (appup.Instructions.Count == 0 ? "" : ": " + string.Join(", ", appup.Instructions))));
            }

            if (plan.RelupPath is not null)
            {
                log(new OutputLine("agent", $"relup {previous.Version} -> {version} written to releases/{version}/relup"));
            }

            return new UpgradeFacts(plan.CanHotUpgrade ? previous.Version : null, plan.Blockers);
        }
        catch (RelupGenerationException ex)
        {
            // auto restarts instead; hot fails the build with this reason (PrepareAsync).
            return new UpgradeFacts(null, [ex.Message]);
        }
    }
}
