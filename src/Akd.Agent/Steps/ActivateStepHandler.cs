using Akd.Agent.Artifacts;
using Akd.Agent.Releases;
using Akd.Contracts.V1;
using Akd.Core.Archives;
using Akd.Core.Health;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Steps;

/// <summary>
/// Target side of a deploy: download and verify the artifact, unpack it into <c>releases/ID</c>,
/// stop the running release, write the env, switch <c>current</c>, start, health-check, record the
/// revision and prune. A failed health check puts the previous release back and restarts it.
/// </summary>
public sealed class ActivateStepHandler(ArtifactClient artifacts, HttpClient http, IOptions<AgentOptions> options, TimeProvider clock)
{
    public async Task<ActivateOutput> RunAsync(StepCommand command, AppManifest manifest, StepReporter reporter, CancellationToken ct)
    {
        var step = command.Activate;
        var layout = new ReleaseLayout(DeployPath.Resolve(manifest, options.Value));
        layout.EnsureCreated();
        var env = AppEnvironment.For(manifest, options.Value);
        var output = new ActivateOutput { ReleaseId = step.ReleaseId, DeployPath = layout.Root };

        reporter.Phase("download", $"artifact {step.Artifact.Sha256[..12]} ({step.Artifact.Size} bytes)");
        var tarball = await artifacts.DownloadAsync(step.Artifact, reporter.Log, ct).ConfigureAwait(false);

        reporter.Phase("unpack", $"into releases/{step.ReleaseId}");
        var previousId = layout.CurrentReleaseId();
        if (previousId == step.ReleaseId)
        {
            throw new StepFailedException($"release {step.ReleaseId} is already current on this host");
        }

        var releaseDir = await UnpackAsync(layout, step.ReleaseId, tarball, manifest.App, ct).ConfigureAwait(false);
        output.PreviousReleaseId = previousId ?? "";

        var process = new ReleaseProcess(manifest.App, reporter, options.Value.StopGracePeriod);
        var previousState = RunState.Read(layout.SharedDir);
        if (previousState is not null)
        {
            reporter.Phase("stop", $"stopping {previousState.ReleaseId}");
            await process.StopAsync(layout.ReleaseDir(previousState.ReleaseId), previousState, ct).ConfigureAwait(false);
            RunState.Clear(layout.SharedDir);
        }

        layout.WriteEnvFile(env);
        reporter.Phase("switch", $"current -> releases/{step.ReleaseId}");
        layout.SwitchCurrent(step.ReleaseId);

        var (healthy, detail, target) = await StartAndCheckAsync(process, layout, step.ReleaseId, manifest, env, reporter, ct).ConfigureAwait(false);
        output.HealthTarget = target;
        output.HealthDetail = detail;
        if (healthy)
        {
            layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), step.ReleaseId, command.DeploymentId, "deployed"));
            Prune(layout, manifest, step.ReleaseId, previousId, reporter);
            return output;
        }

        layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), step.ReleaseId, command.DeploymentId, "failed"));
        var rolledBackTo = await RollBackAsync(process, layout, previousState, previousId, manifest, reporter, command.DeploymentId, ct).ConfigureAwait(false);
        output.RolledBack = rolledBackTo is not null;
        var message = $"health check of {step.ReleaseId} failed: {detail}" +
            (rolledBackTo is null ? "; there was no previous release to go back to" : $"; rolled back to {rolledBackTo}");
        throw new ActivationFailedException(message, output);
    }

    private async Task<(bool Healthy, string Detail, string Target)> StartAndCheckAsync(
        ReleaseProcess process, ReleaseLayout layout, string releaseId, AppManifest manifest,
        IReadOnlyDictionary<string, string> env, StepReporter reporter, CancellationToken ct)
    {
        var releaseDir = layout.ReleaseDir(releaseId);
        reporter.Phase("start", $"bin/{manifest.App} daemon");
        await process.StartAsync(releaseDir, env, ct).ConfigureAwait(false);

        reporter.Phase("health", "waiting for the health check");
        var checker = new HealthChecker(http);
        var health = await checker.CheckAsync(manifest.Health, env, releaseDir, null, reporter.Log, ct).ConfigureAwait(false);

        // Whatever answered, the new release's own node must be up: an old process that kept the
        // port would otherwise pass the check for it.
        var pid = await process.GetPidAsync(releaseDir, env, ct).ConfigureAwait(false);
        new RunState(releaseId, pid, new Dictionary<string, string>(env)).Write(layout.SharedDir);
        if (pid is null)
        {
            return (false, health.Healthy ? "the health check answered, but the new release's node is not running" : health.Detail, health.Target);
        }

        reporter.Log($"release {releaseId} runs as pid {pid}");
        return (health.Healthy, health.Detail, health.Target);
    }

    private async Task<string?> RollBackAsync(
        ReleaseProcess process, ReleaseLayout layout, RunState? previousState, string? previousId,
        AppManifest manifest, StepReporter reporter, string deploymentId, CancellationToken ct)
    {
        reporter.Phase("rollback", previousId is null ? "stopping the failed release" : $"going back to {previousId}");
        var failed = RunState.Read(layout.SharedDir);
        if (failed is not null)
        {
            await process.StopAsync(layout.ReleaseDir(failed.ReleaseId), failed, ct).ConfigureAwait(false);
            RunState.Clear(layout.SharedDir);
        }

        if (previousId is null || !Directory.Exists(layout.ReleaseDir(previousId)))
        {
            return null;
        }

        var env = previousState?.Env ?? AppEnvironment.For(manifest, options.Value);
        layout.WriteEnvFile(env);
        layout.SwitchCurrent(previousId);
        var (healthy, detail, _) = await StartAndCheckAsync(process, layout, previousId, manifest, env, reporter, ct).ConfigureAwait(false);
        layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), previousId, deploymentId, healthy ? "rolled-back" : "rolled-back-unhealthy"));
        reporter.Log(healthy ? $"rolled back to {previousId}, healthy" : $"rolled back to {previousId}, but it is not healthy either: {detail}");
        return previousId;
    }

    /// <summary>Unpacks into a hidden staging directory first, so <c>releases/</c> never holds a half-written release.</summary>
    private static async Task<string> UnpackAsync(ReleaseLayout layout, string releaseId, string tarball, string app, CancellationToken ct)
    {
        var releaseDir = layout.ReleaseDir(releaseId);
        var staging = Path.Combine(layout.ReleasesDir, $".{releaseId}.partial");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        try
        {
            await using (var file = File.OpenRead(tarball))
            {
                await SafeExtractor.ExtractAsync(file, staging, ct).ConfigureAwait(false);
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
            return releaseDir;
        }
        catch (UnsafeArchiveException ex)
        {
            throw new StepFailedException($"refused the artifact: {ex.Message}");
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static void Prune(ReleaseLayout layout, AppManifest manifest, string current, string? previous, StepReporter reporter)
    {
        var protect = previous is null ? new[] { current } : [current, previous];
        var removed = layout.Prune(manifest.Deploy.KeepReleases, protect);
        if (removed.Count > 0)
        {
            reporter.Log($"pruned {removed.Count} old release(s): {string.Join(", ", removed)}");
        }
    }
}
