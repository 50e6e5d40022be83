using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Runs rollback, start, stop and restart across an app's targets by the same rolling rule as a
/// deploy (batch, max_failures, pause, cancel), and records them in the history like deployments.
/// </summary>
public sealed partial class FleetOperationRunner(
    HostSteps steps,
    DeploymentJournal journal,
    DeploymentStore deployments,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<FleetOperationRunner> logger)
{
    public async Task CreateAsync(OperationPlan plan, CancellationToken ct)
    {
        var r = plan.Record;
        await deployments.CreateAsync(r, plan.ManifestYaml, ct).ConfigureAwait(false);
        var what = r.Kind == DeploymentKind.Rollback
            ? $"rollback of {r.App} to {(string.IsNullOrEmpty(r.RollbackTo) ? "each host's previous release" : r.RollbackTo)}"
            : $"{r.Kind.Text()} {r.App}";
        var skipped = r.SkippedOffline.Count == 0 ? "" : $"; skipping offline {string.Join(", ", r.SkippedOffline)} (--skip-offline)";
        await journal.SetStateAsync(r.Id, DeploymentState.Pending, $"{what} on {string.Join(", ", plan.Targets)} (by {r.Actor}){skipped}", ct).ConfigureAwait(false);
        foreach (var host in plan.Targets)
        {
            await deployments.SetHostStepAsync(r.Id, host, r.Kind.HostStep(), StepState.Pending, "", "", ct).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the operation to its end. Never throws: a failure is recorded as its state.</summary>
    public async Task RunAsync(OperationPlan plan, DeploymentControl control, CancellationToken ct)
    {
        var r = plan.Record;
        try
        {
            var rolling = plan.Manifest.Deploy.Rolling;
            await journal.SetStateAsync(r.Id, DeploymentState.Running,
                $"{r.Kind.Text()} on {plan.Targets.Count} host(s), {rolling.Batch.SizeFor(plan.Targets.Count)} at a time", ct).ConfigureAwait(false);
            var outcome = await new Rollout(rolling, clock).RunAsync(
                plan.Targets,
                (host, token) => RunHostAsync(plan, host, token),
                (i, count, hosts, token) => journal.NoteAsync(r.Id, $"batch {i + 1}/{count}: {string.Join(", ", hosts)}", token),
                control.CancelRequested,
                ct,
                plan.DoneBefore).ConfigureAwait(false);

            var reason = outcome.Cancelled ? $"cancelled by {control.CancelledBy}" : "the rollout stopped";
            await journal.SkipAsync(r, outcome.NotReached, r.Kind.HostStep(), $"not reached: {reason}", ct).ConfigureAwait(false);
            await RecordReleaseAsync(plan, outcome, ct).ConfigureAwait(false);

            var failures = outcome.Failed.Select(f => $"{f.Host}: {f.Result.Error}").ToList();
            var notReached = outcome.NotReached.Count == 0 ? "" : $"; {outcome.NotReached.Count} host(s) not reached";
            var (state, message) = outcome switch
            {
                { Cancelled: true } => (DeploymentState.Cancelled, reason + notReached),
                { Stopped: true } => (DeploymentState.Failed, string.Join("; ", failures) + notReached),
                _ when failures.Count > 0 => (DeploymentState.Succeeded, $"{Done(plan.Record, outcome.Done.Count)}; tolerated failures: {string.Join("; ", failures)}"),
                _ => (DeploymentState.Succeeded, Done(plan.Record, outcome.Done.Count)),
            };
            await journal.FinishAsync(r.Id, state, message, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The coordinator is stopping: left unfinished, its steps running on the agents, which keep
            // their results; the next start reconciles it (DeploymentRecovery).
            await journal.SetStateAsync(r.Id, DeploymentState.Interrupted,
                "interrupted: the coordinator is stopping; it is reconciled when the coordinator starts again", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogCrashed(ex, r.Id);
            await journal.FinishAsync(r.Id, DeploymentState.Failed, $"internal error: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<HostOutcome> RunHostAsync(OperationPlan plan, string host, CancellationToken ct)
    {
        var r = plan.Record;
        var command = StepCommands.ForTarget(r.Id, StepCommands.HostDeadline(plan.Manifest, options.Value), plan.Manifest);
        if (r.Kind == DeploymentKind.Rollback)
        {
            command.Rollback = new RollbackStep { ToRelease = r.RollbackTo };
        }
        else
        {
            command.Control = new AppControlStep { Action = r.Kind };
        }

        var result = await steps.RunAsync(r.Id, host, r.Kind.HostStep(), command, r.RollbackTo, ct).ConfigureAwait(false);
        var (state, release, message) = r.Kind == DeploymentKind.Rollback
            ? DeploymentRunner.DescribeRollback(result, $"rollback by {r.Actor}")
            : DescribeControl(result);
        if (!result.Ok && release.Length == 0 && !result.NoAnswer)
        {
            release = await deployments.LastKnownReleaseAsync(r.App, r.Environment, host, ct).ConfigureAwait(false);
        }

        await journal.RecordHostAsync(r.Id, host, r.Kind.HostStep(), state, release, message, ct, stateUnknown: HostUnknown.Of(result)).ConfigureAwait(false);
        steps.Acknowledge(host, command);
        return new HostOutcome(host, result.Ok, result);
    }

    internal static (StepState State, string Release, string Message) DescribeControl(StepResult result)
    {
        if (!result.Ok)
        {
            return (StepState.Failed, result.Control?.ReleaseId ?? "", result.Error);
        }

        var c = result.Control;
        var message = c.Running
            ? $"{c.ReleaseId} runs as pid {c.Pid}" + (string.IsNullOrEmpty(c.HealthTarget) ? "" : $", healthy ({c.HealthTarget} {c.HealthDetail})")
            : $"{(string.IsNullOrEmpty(c.ReleaseId) ? "nothing" : c.ReleaseId)} is stopped";
        return (StepState.Succeeded, c.ReleaseId, message);
    }

    /// <summary>When every host went back to one release, the history names it with its artifact and version.</summary>
    private async Task RecordReleaseAsync(OperationPlan plan, RolloutOutcome outcome, CancellationToken ct)
    {
        var releases = outcome.Succeeded.Select(o => o.Result.Activate?.ReleaseId ?? o.Result.Control?.ReleaseId ?? "").Distinct().ToList();
        if (releases is not [{ Length: > 0 } release])
        {
            return;
        }

        var build = await deployments.FindBuildAsync(plan.Record.App, release, ct).ConfigureAwait(false);
        await deployments.SetBuildAsync(plan.Record.Id, build?.Artifact ?? "", build?.Version ?? "", release, ct).ConfigureAwait(false);
    }

    private static string Done(Deployment record, int hosts) => record.Kind switch
    {
        DeploymentKind.Rollback => $"{hosts} host(s) rolled back",
        DeploymentKind.Stop => $"{record.App} stopped on {hosts} host(s)",
        DeploymentKind.Start => $"{record.App} running on {hosts} host(s)",
        _ => $"{record.App} restarted on {hosts} host(s)",
    };

    [LoggerMessage(EventId = 230, Level = LogLevel.Error, Message = "Fleet operation {Id} crashed")]
    private partial void LogCrashed(Exception ex, string id);
}
