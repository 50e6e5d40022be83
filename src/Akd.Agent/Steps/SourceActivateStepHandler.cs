using Akd.Agent.Artifacts;
using Akd.Agent.Builds;
using Akd.Agent.Hooks;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Core.Releases;

namespace Akd.Agent.Steps;

/// <summary>
/// Target side of the <c>source</c> strategy ("asdf on production"): the source goes into a new
/// <c>releases/ID</c>, is compiled there (hooks before-build and after-build around it), then the
/// <see cref="ReleaseActivator"/> switches, starts it with mix, detached, and health-checks it.
/// </summary>
public sealed class SourceActivateStepHandler(ArtifactClient artifacts)
{
    internal async Task<ActivateOutput> RunAsync(StepCommand command, StepContext context, CancellationToken ct)
    {
        var (step, manifest, reporter, agent, layout) = (command.SourceActivate, context.Manifest, context.Reporter, context.Options, context.Layout);
        layout.EnsureCreated();

        reporter.Phase(Phase.Source, "fetching the source");
        var releaseId = await CheckOutAsync(step, context, command.StepId, ct).ConfigureAwait(false);
        var releaseDir = layout.ReleaseDir(releaseId);

        var env = context.Env;
        var commandTimeout = TimeSpan.FromSeconds(Math.Max(60, command.DeadlineSeconds));
        var hooks = DeployHooks.ForBuild(manifest, env, agent, commandTimeout, reporter);
        var switched = false;
        try
        {
            return await hooks.RunPipelineAsync(async () =>
            {
                await hooks.RunStageAsync(HookStage.BeforeBuild, releaseDir, ct).ConfigureAwait(false);
                reporter.Phase(Phase.Build, $"mix compile in releases/{releaseId}, MIX_ENV={manifest.Build.MixEnv}, {manifest.Build.Toolchain.ToString().ToLowerInvariant()} toolchain");
                var build = new BuildContext(releaseDir, manifest, releaseDir)
                {
                    Env = WithAppEnv(BuildEnvironment.For(agent), env),
                    BuildEnv = agent.BuildEnv,
                    CommandTimeout = commandTimeout,
                    QueryTimeout = agent.ToolchainProbeTimeout,
                };
                await SourceCompiler.CompileAsync(build, reporter.Output, ct).ConfigureAwait(false);
                await hooks.RunStageAsync(HookStage.AfterBuild, releaseDir, ct).ConfigureAwait(false);
                await hooks.RunStageAsync(HookStage.BeforeActivate, releaseDir, ct).ConfigureAwait(false);

                switched = true;
                var activator = context.Activator(await context.SandboxAsync(ct).ConfigureAwait(false), hooks);
                return await activator.ActivateAsync(releaseId, env, command.DeploymentId, "deployed", ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
        catch when (!switched)
        {
            // A release that never went live is of no use to a rollback; don't leave it to be picked.
            Remove(releaseDir);
            throw;
        }
    }

    /// <summary>Fetches into a hidden staging directory, names the release, then moves it into place.</summary>
    private async Task<string> CheckOutAsync(SourceActivateStep step, StepContext context, string stepId, CancellationToken ct)
    {
        var (layout, reporter) = (context.Layout, context.Reporter);
        var staging = Path.Combine(layout.ReleasesDir, $".{stepId}.partial");
        try
        {
            await new SourceCheckout(artifacts, context.Options, context.Clock).FetchIntoAsync(step.Source, context.Manifest.App, staging, reporter, ct).ConfigureAwait(false);
            var releaseId = string.IsNullOrEmpty(step.ReleaseId) ? IdFromMixExs(staging, step) : step.ReleaseId;
            if (layout.CurrentReleaseId() == releaseId)
            {
                throw new StepFailedException($"release {releaseId} is already current on this host");
            }

            var releaseDir = layout.ReleaseDir(releaseId);
            Remove(releaseDir);

            Directory.Move(staging, releaseDir);
            reporter.Log($"source in releases/{releaseId}");
            return releaseId;
        }
        finally
        {
            Remove(staging);
        }
    }

    private static string IdFromMixExs(string sourceDir, SourceActivateStep step)
    {
        var version = MixProject.TryRead(sourceDir)?.Version
            ?? throw new StepFailedException("cannot read the app's version from mix.exs (it must be a literal string or a @version attribute)");
        try
        {
            return ReleaseId.Create(version, (step.CreatedAt ?? throw new StepFailedException("the step has neither a release id nor a creation time")).ToDateTimeOffset());
        }
        catch (ArgumentException ex)
        {
            throw new StepFailedException(ex.Message);
        }
    }

    /// <summary>Symlinks inside are unlinked, never followed.</summary>
    private static void Remove(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Dictionary<string, string?> WithAppEnv(IReadOnlyDictionary<string, string?> buildEnv, IReadOnlyDictionary<string, string> appEnv)
    {
        var env = appEnv.ToDictionary(p => p.Key, p => (string?)p.Value);
        foreach (var (key, value) in buildEnv)
        {
            env[key] = value;
        }

        return env;
    }
}
