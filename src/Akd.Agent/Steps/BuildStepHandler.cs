using Akd.Agent.Artifacts;
using Akd.Agent.Builds;
using Akd.Agent.Hooks;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Akd.Core.Archives;
using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Core.Upgrades;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Steps;

/// <summary>Build side: get the source, build and verify the release, upload the tarball.</summary>
public sealed class BuildStepHandler(ArtifactClient artifacts, IOptions<AgentOptions> options)
{
    internal async Task<BuildOutput> RunAsync(StepCommand command, StepContext step, CancellationToken ct)
    {
        var (manifest, reporter) = (step.Manifest, step.Reporter);
        var workspace = new SourceWorkspace(Path.Combine(options.Value.DataDir, "builds", manifest.App), options.Value, step.Clock);
        var source = command.Build.Source;
        reporter.Phase(Phase.Source, "fetching the source");
        switch (source?.FromCase)
        {
            case SourceSpec.FromOneofCase.Archive:
                var archive = await artifacts.DownloadAsync(source.Archive, reporter.Log, ct).ConfigureAwait(false);
                await SourceArchive.UnpackAsync(
                    token => workspace.LoadArchiveAsync(archive, options.Value.UnpackLimits(new FileInfo(archive).Length), token), ct).ConfigureAwait(false);

                reporter.Log($"source archive {source.Archive.Sha256[..12]} unpacked into {workspace.ProjectDir}");
                break;
            case SourceSpec.FromOneofCase.Git:
                await workspace.LoadGitAsync(source.Git.Url, string.IsNullOrEmpty(source.Git.Ref) ? null : source.Git.Ref, reporter, ct).ConfigureAwait(false);
                break;
            default:
                throw new StepFailedException("the build step names no source");
        }

        if (!File.Exists(Path.Combine(workspace.ProjectDir, "mix.exs")))
        {
            throw new StepFailedException("the source has no mix.exs at its root: is source.path the Mix project?");
        }

        // deploy.upgrade is read here and only here on the build side.
        var upgrade = manifest.Deploy.Upgrade;
        var previous = upgrade == UpgradeMode.Restart ? null : await PreviousReleaseFetch.FetchAsync(command.Build, manifest.App, artifacts, options.Value, reporter, ct).ConfigureAwait(false);

        reporter.Phase(Phase.Build, $"{manifest.Build.Tool} build, MIX_ENV={manifest.Build.MixEnv}");
        var context = new BuildContext(workspace.ProjectDir, manifest, Path.Combine(options.Value.DataDir, "builds", manifest.App, "out"))
        {
            Env = BuildEnvironment.For(options.Value),
            BuildEnv = options.Value.BuildEnv,
            CommandTimeout = TimeSpan.FromSeconds(Math.Max(60, command.DeadlineSeconds)),
            QueryTimeout = options.Value.ToolchainProbeTimeout,
            Upgrade = upgrade,
            UpgradeFrom = previous,
            UpgradeFromMissing = string.IsNullOrEmpty(command.Build.UpgradeFromMissing) ? null : command.Build.UpgradeFromMissing,
        };
        var hooks = DeployHooks.ForBuild(manifest, step.Env, options.Value, context.CommandTimeout, reporter);
        var (built, uploaded) = await hooks.RunPipelineAsync(async () =>
        {
            await hooks.RunStageAsync(HookStage.BeforeBuild, workspace.ProjectDir, ct).ConfigureAwait(false);
            var built = await ReleaseBuilders.For(manifest.Build.Tool).BuildAsync(context, reporter.Output, ct).ConfigureAwait(false);
            await hooks.RunStageAsync(HookStage.AfterBuild, workspace.ProjectDir, ct).ConfigureAwait(false);

            reporter.Phase(Phase.Upload, $"uploading {built.Size} bytes");
            var uploaded = await artifacts.UploadAsync(built.TarballPath, "release", command.StepId, ct).ConfigureAwait(false);
            File.Delete(built.TarballPath);
            return (built, uploaded);
        }, ct).ConfigureAwait(false);
        return new BuildOutput
        {
            Artifact = uploaded,
            App = built.App,
            Version = built.Version,
            ErtsVersion = built.ErtsVersion ?? "",
            IncludesErts = built.IncludesErts,
            Upgrade = BuildUpgrade.Report(built, manifest) is { } facts ? new UpgradePlan { RelupFrom = facts.RelupFrom ?? "", Blockers = { facts.Blockers } } : null,
        };
    }
}
