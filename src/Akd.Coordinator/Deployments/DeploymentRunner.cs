using Akd.Contracts.V1;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Drives one deployment through its states: pending → building → delivering →
/// succeeded | failed | cancelled. Every transition is stored before it is announced, so history survives a restart.
/// </summary>
public sealed partial class DeploymentRunner(
    HostSteps steps,
    DeploymentJournal journal,
    DeploymentStore deployments,
    ArtifactUploadStore uploads,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<DeploymentRunner> logger,
    Artifacts.ArtifactStore? artifacts = null,
    Artifacts.LiveUploads? liveUploads = null)
{
    public async Task CreateAsync(DeploymentPlan plan, CancellationToken ct)
    {
        await deployments.CreateAsync(plan.Record, plan.ManifestYaml, ct).ConfigureAwait(false);
        var build = plan.Prebuilt is { } prebuilt ? $"release {prebuilt.Version} built by akdctl"
            : plan.BuildAgent.Length > 0 ? $"build on {plan.BuildAgent}" : "build from source on each target";
        var skipped = plan.Record.SkippedOffline.Count == 0 ? "" : $"; skipping offline {string.Join(", ", plan.Record.SkippedOffline)} (--skip-offline)";
        await SetStateAsync(plan, DeploymentState.Pending,
            $"{plan.Record.App}: {build}, deliver to {string.Join(", ", plan.Targets)} (by {plan.Record.Actor}){skipped}", ct).ConfigureAwait(false);
        foreach (var host in plan.Targets)
        {
            await deployments.SetHostStepAsync(plan.Record.Id, host, StepKind.Activate, StepState.Pending, "", "", ct).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the deployment to its end. Never throws: a failure is recorded as the deployment's state.</summary>
    public async Task RunAsync(DeploymentPlan plan, DeploymentControl control, CancellationToken ct)
    {
        var id = plan.Record.Id;
        try
        {
            if (plan.Manifest.Strategy == DeployStrategy.Source)
            {
                await DeliverSourceAsync(plan, control, ct).ConfigureAwait(false);
                return;
            }

            var build = plan.Prebuilt ?? await BuildAsync(plan, control, ct).ConfigureAwait(false);
            if (build is null)
            {
                return;
            }

            var releaseId = ReleaseId.Create(build.Version, plan.Record.CreatedAt.ToDateTimeOffset());
            var upgrade = await UpgradeOfAsync(plan, build, ct).ConfigureAwait(false);
            // The plan first: a deployment with its build recorded can be resumed, and must then find it.
            await deployments.SetUpgradePlanAsync(id, upgrade, ct).ConfigureAwait(false);
            await deployments.SetBuildAsync(id, build.Artifact.Sha256, build.Version, releaseId, ct).ConfigureAwait(false);
            await DeliverAsync(plan, control, releaseId, build.Version,
                (command, _) => command.Activate = new ActivateStep { Artifact = build.Artifact, ReleaseId = releaseId, Version = build.Version, Upgrade = upgrade }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await InterruptedAsync(id).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogCrashed(ex, id);
            await FinishAsync(plan, DeploymentState.Failed, $"internal error: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What the targets are told about hot-upgrading. A build agent's plan is made from the release the
    /// targets ran when the build started; akdctl's local build asked earlier (GetUpgradeBase), so its relup
    /// is checked against what the targets run now: a host that moved meanwhile makes the relup useless.
    /// </summary>
    private async Task<UpgradePlan?> UpgradeOfAsync(DeploymentPlan plan, BuildOutput build, CancellationToken ct)
    {
        if (plan.Prebuilt is null || plan.Manifest.Deploy.Upgrade == UpgradeMode.Restart)
        {
            return build.Upgrade;
        }

        if (build.Upgrade is null)
        {
            return new UpgradePlan { Blockers = { "akdctl sent no upgrade plan with its local build (an akdctl older than this coordinator)" } };
        }

        if (build.Upgrade.RelupFrom.Length == 0)
        {
            return build.Upgrade;
        }

        var now = await PreviousReleases.FindAsync(plan.Manifest.App, plan.Environment, plan.Targets, deployments, artifacts, ct).ConfigureAwait(false);
        return now.Release?.Version == build.Upgrade.RelupFrom
            ? build.Upgrade
            : new UpgradePlan { Blockers = { $"the local build's relup is from {build.Upgrade.RelupFrom}, but the targets now run {(now.Release?.Version ?? now.Missing)}" } };
    }

    private async Task<BuildOutput?> BuildAsync(DeploymentPlan plan, DeploymentControl control, CancellationToken ct)
    {
        await SetStateAsync(plan, DeploymentState.Building, $"building on {plan.BuildAgent}", ct).ConfigureAwait(false);
        // A BuildSpec: deploy.env is for the targets, the build host does not get it.
        var command = StepCommands.ForBuild(plan.Record.Id, options.Value.BuildDeadline, plan.Manifest);
        command.Build = new BuildStep { Source = plan.Source };
        if (plan.Manifest.Deploy.Upgrade != UpgradeMode.Restart)
        {
            await PreviousReleases.FillAsync(command.Build, deployments, artifacts, plan, ct).ConfigureAwait(false);
        }

        // A build touches no target, so a cancel stops it at once instead of waiting for it.
        using var buildOrCancel = CancellationTokenSource.CreateLinkedTokenSource(ct, control.CancelRequested);
        StepResult result;
        // Cut-through: the build's upload is announced to the targets as soon as it begins.
        using var expected = liveUploads?.ExpectBuild(plan.BuildAgent, plan.Record.Id, plan.Targets);
        try
        {
            result = await steps.RunAsync(plan.Record.Id, plan.BuildAgent, StepKind.Build, command, "", buildOrCancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (control.IsCancelRequested && !ct.IsCancellationRequested)
        {
            var reason = $"cancelled by {control.CancelledBy} during the build";
            await journal.RecordHostAsync(plan.Record.Id, plan.BuildAgent, StepKind.Build, StepState.Failed, "", reason, ct).ConfigureAwait(false);
            await journal.SkipAsync(plan.Record, plan.Targets, StepKind.Activate, "not reached: " + reason, ct).ConfigureAwait(false);
            await FinishAsync(plan, DeploymentState.Cancelled, $"{reason}; no host was touched", ct).ConfigureAwait(false);
            return null;
        }

        var ok = result.Ok && result.Build?.Artifact is not null;
        if (ok && await UnboundReleaseAsync(plan.BuildAgent, command.StepId, result.Build!.Artifact.Sha256, ct).ConfigureAwait(false) is { } unbound)
        {
            (ok, result.Error) = (false, unbound);
        }

        await journal.RecordHostAsync(plan.Record.Id, plan.BuildAgent, StepKind.Build, ok ? StepState.Succeeded : StepState.Failed, "",
            ok ? Describe(result) : result.Error, ct, result.Build?.Version ?? "").ConfigureAwait(false);
        steps.Acknowledge(plan.BuildAgent, command);
        if (!ok)
        {
            await journal.SkipAsync(plan.Record, plan.Targets, StepKind.Activate, "not reached: the build failed", ct).ConfigureAwait(false);
            await FinishAsync(plan, DeploymentState.Failed, $"build on {plan.BuildAgent} failed: {result.Error}", ct).ConfigureAwait(false);
            return null;
        }

        return result.Build;
    }

    /// <summary>
    /// A build's release must be what its build agent uploaded within that very step: not an artifact another
    /// caller stored, nor one of an earlier step. Null when it is; otherwise why the build fails.
    /// </summary>
    private async Task<string?> UnboundReleaseAsync(string agent, string stepId, string sha256, CancellationToken ct)
    {
        var uploader = new Caller(CallerKind.Agent, agent, null).ToString();
        if (await uploads.UploadedInStepAsync(sha256, uploader, stepId, ct).ConfigureAwait(false))
        {
            return null;
        }

        LogUnboundRelease(stepId, agent, sha256);
        return $"the build's result names release {sha256[..Math.Min(12, sha256.Length)]}, which {agent} did not upload in this build step; it is not delivered";
    }

    /// <param name="releaseId">Empty when the first hosts will name it (a source deploy from git).</param>
    /// <param name="setStep">Fills in the step each host gets, given the release id known by then.</param>
    /// <param name="before">Hosts done before a coordinator restart, when this resumes a rollout.</param>
    private async Task DeliverAsync(
        DeploymentPlan plan, DeploymentControl control, string releaseId, string version, Action<StepCommand, string> setStep, CancellationToken ct,
        IReadOnlyList<HostOutcome>? before = null)
    {
        var rolling = plan.Manifest.Deploy.Rolling;
        var batchSize = rolling.Batch.SizeFor(plan.Targets.Count);
        await SetStateAsync(plan, DeploymentState.Delivering,
            $"delivering {(releaseId.Length > 0 ? releaseId : "the source")} to {plan.Targets.Count} host(s), {batchSize} at a time" +
            (rolling.Rollback == RollbackScope.All ? ", rollback: all" : ""),
            ct, releaseId, version).ConfigureAwait(false);

        var known = new KnownReleaseId(releaseId);
        var outcome = await new Rollout(rolling, clock).RunAsync(
            plan.Targets,
            async (host, token) =>
            {
                var command = NewCommand(plan, StepDeadline(plan.Manifest));
                var id = known.Value;
                setStep(command, id);
                var result = await RunHostStepAsync(plan, host, StepKind.Activate, command, id, token).ConfigureAwait(false);
                await LearnReleaseIdAsync(plan, known, result, token).ConfigureAwait(false);
                return new HostOutcome(host, result.Ok, result);
            },
            (i, count, hosts, token) => journal.NoteAsync(plan.Record.Id, $"batch {i + 1}/{count}: {string.Join(", ", hosts)}", token),
            control.CancelRequested,
            ct,
            before).ConfigureAwait(false);

        await EndRolloutAsync(plan, control, known.Value, outcome, ct).ConfigureAwait(false);
    }

    private async Task<StepResult> RunHostStepAsync(DeploymentPlan plan, string host, StepKind step, StepCommand command, string releaseId, CancellationToken ct)
    {
        var result = await steps.RunAsync(plan.Record.Id, host, step, command, releaseId, ct).ConfigureAwait(false);
        var (state, release, message) = await DescribeActivateAsync(plan.Record, host, releaseId, result, ct).ConfigureAwait(false);
        await journal.RecordHostAsync(plan.Record.Id, host, step, state, release, message, ct, stateUnknown: HostUnknown.Of(result)).ConfigureAwait(false);
        steps.Acknowledge(host, command);
        return result;
    }

    private TimeSpan StepDeadline(AppManifest manifest) => StepCommands.HostDeadline(manifest, options.Value);

    /// <summary>A step on a target of the deployment, with the target's spec.</summary>
    private static StepCommand NewCommand(DeploymentPlan plan, TimeSpan deadline) =>
        StepCommands.ForTarget(plan.Record.Id, deadline, plan.Manifest);

    private Task SetStateAsync(DeploymentPlan plan, DeploymentState state, string message, CancellationToken ct, string releaseId = "", string version = "") =>
        journal.SetStateAsync(plan.Record.Id, state, message, ct, releaseId, version);

    private Task FinishAsync(DeploymentPlan plan, DeploymentState state, string message, CancellationToken ct) =>
        journal.FinishAsync(plan.Record.Id, state, message, ct);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Deployment {Id} crashed")]
    private partial void LogCrashed(Exception ex, string id);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Build step {StepId} on {Agent} named release {Sha256}, which it did not upload in that step: refused")]
    private partial void LogUnboundRelease(string stepId, string agent, string sha256);
}
