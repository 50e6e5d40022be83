using Akd.Contracts.V1;
using Akd.Core.Builders;
using Akd.Core.Hooks;
using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Cli;

/// <summary>
/// The local-build strategy: builds the release on this machine with the builders the agents use
/// (<see cref="ReleaseBuilders"/>), then uploads it. The build runs in the project itself, as
/// <c>mix release</c> would by hand: it reuses the project's <c>deps/</c> and <c>_build/</c> (path
/// dependencies keep working) and leaves <c>_build/ENV</c> there; only the tarball is temporary.
/// </summary>
internal static class LocalBuilder
{
    public static async Task<BuildOutput> BuildAndUploadAsync(
        CliContext context, AppManifest manifest, string manifestPath, DeployRequest deploy, Action<string> note, CancellationToken ct)
    {
        var projectDir = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(manifestPath)!, manifest.Source.Path ?? "."));
        if (!File.Exists(Path.Combine(projectDir, "mix.exs")))
        {
            throw new CliException($"{projectDir} has no mix.exs: local-build builds the Mix project at source.path", ExitCodes.Usage);
        }

        if (manifest.Source.Git is not null)
        {
            note("local-build builds the project on this machine; source.git is not used");
        }

        if (!manifest.Build.IncludeErts)
        {
            note("build.include_erts is false: the targets will need an Erlang of their own");
        }

        using var upgradeBase = await LocalUpgradeBase.FetchAsync(context, manifest, deploy, note, ct).ConfigureAwait(false);
        var outputDir = Path.Combine(Path.GetTempPath(), $"akd-local-build-{Guid.NewGuid():N}");
        Action<OutputLine> log = line => note($"  {line.Text}");

        // This machine is the build host: the before-build and after-build hooks run here, in the project.
        var hooks = new HookRunner(manifest.Hooks, log);
        var hookContext = new HookContext(projectDir, HookEnv(manifest)) { Resolve = c => ToolchainCommand.Resolve(manifest.Build.Toolchain, c) };
        try
        {
            await hooks.RunStageAsync(HookStage.BeforeBuild, hookContext, ct).ConfigureAwait(false);
            note($"building {manifest.App} here with {ToolName(manifest.Build.Tool)}, MIX_ENV={manifest.Build.MixEnv}, in {projectDir}");
            var built = await ReleaseBuilders.For(manifest.Build.Tool)
                .BuildAsync(new BuildContext(projectDir, manifest, outputDir)
                {
                    SettingsHint = "the environment akdctl runs in",
                    Upgrade = upgradeBase.Mode,
                    UpgradeFrom = upgradeBase.From,
                    UpgradeFromMissing = upgradeBase.Missing,
                }, log, ct)
                .ConfigureAwait(false);
            await hooks.RunStageAsync(HookStage.AfterBuild, hookContext, ct).ConfigureAwait(false);

            var artifact = await SourceUploader.UploadFileAsync(context, built.TarballPath, "release", ct,
                size => note($"uploading release {built.App} {built.Version}: {size / 1024.0 / 1024.0:0.#} MiB")).ConfigureAwait(false);
            await hooks.FinishAsync(failed: false, ct).ConfigureAwait(false);
            return new BuildOutput
            {
                Artifact = artifact,
                App = built.App,
                Version = built.Version,
                ErtsVersion = built.ErtsVersion ?? "",
                IncludesErts = built.IncludesErts,
                Upgrade = LocalUpgradeBase.PlanFor(built, manifest),
            };
        }
        catch (Exception ex)
        {
            // ensure always, rollback on failure; cleanup gets time of its own when the user interrupted.
            await hooks.FinishAfterFailureAsync(ct).ConfigureAwait(false);
            if (ex is BuildFailedException or HookFailedException)
            {
                throw new CliException(ex is BuildFailedException ? $"local build failed: {ex.Message}" : ex.Message);
            }

            throw;
        }
        finally
        {
            if (Directory.Exists(outputDir))
            {
                Directory.Delete(outputDir, recursive: true);
            }
        }
    }

    private static Dictionary<string, string?> HookEnv(AppManifest manifest)
    {
        var env = manifest.Deploy.Env.ToDictionary(p => p.Key, p => (string?)p.Value);
        env["MIX_ENV"] = manifest.Build.MixEnv;
        return env;
    }

    private static string ToolName(BuildTool tool) => tool == BuildTool.Distillery ? "distillery" : "mix release";
}
