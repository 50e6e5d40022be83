using Akd.Agent.Delivery;
using Akd.Agent.Hooks;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Upgrades;
using Akd.Contracts.V1;
using Akd.Core.Archives;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Google.Protobuf;

namespace Akd.Agent.Steps;

/// <summary>
/// Target side of a deploy: download and verify the artifact, unpack it into <c>releases/ID</c>,
/// then hand it to the <see cref="ReleaseActivator"/>.
/// </summary>
public sealed class ActivateStepHandler(ReleaseFetch releases)
{
    internal async Task<ActivateOutput> RunAsync(StepCommand command, StepContext context, CancellationToken ct)
    {
        var (step, manifest, reporter, layout) = (command.Activate, context.Manifest, context.Reporter, context.Layout);
        layout.EnsureCreated();

        reporter.Phase(Phase.Download, $"artifact {step.Artifact.Sha256[..12]} ({step.Artifact.Size} bytes)");
        var (tarball, transfer) = await releases.FetchAsync(step.Artifact, reporter.Log, ct).ConfigureAwait(false);

        if (layout.CurrentReleaseId() == step.ReleaseId)
        {
            throw new StepFailedException($"release {step.ReleaseId} is already current on this host");
        }

        reporter.Phase(Phase.Unpack, $"into releases/{step.ReleaseId}");
        await UnpackAsync(layout, step.ReleaseId, tarball, manifest.App, context.Options, ct).ConfigureAwait(false);

        var sandbox = await context.SandboxAsync(ct).ConfigureAwait(false);
        sandbox.SecureDeployPath(layout);
        sandbox.SecureRelease(layout.ReleaseDir(step.ReleaseId));
        var hooks = DeployHooks.ForRelease(manifest, context.Env, context.Options, TimeSpan.FromSeconds(Math.Max(60, command.DeadlineSeconds)), reporter, sandbox);
        var output = await hooks.RunPipelineAsync(async () =>
        {
            await hooks.RunStageAsync(HookStage.BeforeActivate, layout.ReleaseDir(step.ReleaseId), ct).ConfigureAwait(false);
            // deploy.upgrade is read here and only here on the target side.
            var upgrade = new HotUpgradePolicy(manifest.Deploy.Upgrade, step.Upgrade?.RelupFrom, step.Upgrade?.Blockers.ToList() ?? []);
            var activator = context.Activator(sandbox, hooks, context.Journal, command.ToByteArray(), upgrade);
            return await activator.ActivateAsync(step.ReleaseId, context.Env, command.DeploymentId, "deployed", ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        output.Transfer = transfer;
        return output;
    }

    /// <summary>Unpacks into a hidden staging directory first, so <c>releases/</c> never holds a half-written release.</summary>
    private static async Task UnpackAsync(ReleaseLayout layout, string releaseId, string tarball, string app, AgentOptions options, CancellationToken ct)
    {
        var releaseDir = layout.ReleaseDir(releaseId);
        var staging = Path.Combine(layout.ReleasesDir, $".{releaseId}.partial");

        // Steps on one deploy path run one at a time (StepLocks), so any staging folder here is what a
        // killed agent left behind, whatever release it was for.
        foreach (var leftover in Directory.EnumerateDirectories(layout.ReleasesDir, ".*.partial"))
        {
            Directory.Delete(leftover, recursive: true);
        }

        try
        {
            await using (var file = File.OpenRead(tarball))
            {
                await SafeExtractor.ExtractAsync(file, staging, ct, options.UnpackLimits(file.Length)).ConfigureAwait(false);
            }

            if (!File.Exists(Path.Combine(staging, "bin", app)))
            {
                throw new StepFailedException($"the artifact holds no bin/{app}: it is not a release of {app}");
            }

            if (Directory.Exists(releaseDir))
            {
                Directory.Delete(releaseDir, recursive: true);
            }

            Directory.Move(staging, releaseDir);
        }
        catch (UnsafeArchiveException ex)
        {
            throw new StepFailedException($"refused the artifact: {ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            throw new StepFailedException($"the artifact is not a readable release tarball: {ex.Message}");
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }
}
