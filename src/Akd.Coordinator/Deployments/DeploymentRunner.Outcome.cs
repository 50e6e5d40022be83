using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>How a rollout ends: hosts not reached, reverts (cancel, <c>rollback: all</c>), and each host's final release.</summary>
public sealed partial class DeploymentRunner
{
    private async Task EndRolloutAsync(DeploymentPlan plan, DeploymentControl control, string releaseId, RolloutOutcome outcome, CancellationToken ct)
    {
        var rolling = plan.Manifest.Deploy.Rolling;
        var failures = outcome.Failed.Select(f => $"{f.Host}: {f.Result.Error}").ToList();
        if (outcome.Cancelled)
        {
            var reason = $"cancelled by {control.CancelledBy}";
            await journal.SkipAsync(plan.Record, outcome.NotReached, StepKind.Activate, $"not reached: {reason}", ct).ConfigureAwait(false);

            // The hosts in flight finished their step; those that switched go back. With rollback: all, every host that switched does.
            var revert = (rolling.Rollback == RollbackScope.All ? outcome.Succeeded : outcome.InFlightAtCancel.Where(o => o.Ok)).ToList();
            var reverted = await RevertAsync(plan, revert, reason, ct).ConfigureAwait(false);
            await FinishAsync(plan, DeploymentState.Cancelled,
                $"{reason}; {Count(outcome.NotReached.Count, "host")} not reached" + (reverted.Length == 0 ? "" : $"; back on their previous release: {reverted}"),
                ct).ConfigureAwait(false);
            return;
        }

        if (outcome.Stopped)
        {
            await journal.SkipAsync(plan.Record, outcome.NotReached, StepKind.Activate, "not reached: the rollout stopped", ct).ConfigureAwait(false);
            var reverted = rolling.Rollback == RollbackScope.All
                ? await RevertAsync(plan, outcome.Succeeded.ToList(), "rollback: all, the rollout failed", ct).ConfigureAwait(false)
                : "";
            await FinishAsync(plan, DeploymentState.Failed,
                string.Join("; ", failures) + (outcome.NotReached.Count == 0 ? "" : $"; {Count(outcome.NotReached.Count, "host")} not reached") +
                (reverted.Length == 0 ? "" : $"; rollback: all put back {reverted}"),
                ct).ConfigureAwait(false);
            return;
        }

        await FinishAsync(plan, DeploymentState.Succeeded,
            failures.Count == 0 ? $"{releaseId} is live on {Count(outcome.Done.Count, "host")}" : $"{releaseId} is live; tolerated failures: {string.Join("; ", failures)}",
            ct).ConfigureAwait(false);
    }

    /// <summary>Puts hosts that switched back on the release they ran before, batch by batch; returns the ones that went back.</summary>
    private async Task<string> RevertAsync(DeploymentPlan plan, IReadOnlyList<HostOutcome> hosts, string reason, CancellationToken ct)
    {
        var back = new List<string>();
        foreach (var batch in Rollout.Batches(hosts.Select(h => h.Host).ToList(), plan.Manifest.Deploy.Rolling.Batch))
        {
            await Task.WhenAll(batch.Select(async host =>
            {
                // A host done before a coordinator restart carries no result detail: it goes back to the release it knows as its previous.
                var activate = hosts.First(h => h.Host == host).Result.Activate;
                var previous = activate?.PreviousReleaseId ?? "";
                if (activate is not null && previous.Length == 0)
                {
                    await journal.RecordHostAsync(plan.Record.Id, host, StepKind.Rollback, StepState.Skipped, "",
                        $"{reason}, but this was the host's first release: nothing to go back to", ct).ConfigureAwait(false);
                    return;
                }

                var command = NewCommand(plan, StepDeadline(plan.Manifest));
                command.Rollback = new RollbackStep { ToRelease = previous };
                var result = await steps.RunAsync(plan.Record.Id, host, StepKind.Rollback, command, previous, ct).ConfigureAwait(false);
                var (state, release, message) = DescribeRollback(result, reason);
                await journal.RecordHostAsync(plan.Record.Id, host, StepKind.Rollback, state, release, message, ct, stateUnknown: HostUnknown.Of(result)).ConfigureAwait(false);
                steps.Acknowledge(host, command);
                if (result.Ok)
                {
                    lock (back)
                    {
                        back.Add(host);
                    }
                }
            })).ConfigureAwait(false);
        }

        return string.Join(", ", back.Order(StringComparer.Ordinal));
    }

    /// <summary>The row for a rollback step: the release the host is on afterwards, as far as it is known.</summary>
    internal static (StepState State, string Release, string Message) DescribeRollback(StepResult result, string reason)
    {
        if (result.Ok)
        {
            return (StepState.RolledBack, result.Activate.ReleaseId, $"back on {result.Activate.ReleaseId} ({reason})");
        }

        var release = result.Activate is { RolledBack: true } a ? a.PreviousReleaseId : "";
        return (StepState.Failed, release, result.Error);
    }

    /// <summary>
    /// The row for an activate step. A host that was put back reports the release it runs now, not the
    /// one it refused; one that failed before switching is still on the release it was last known on.
    /// </summary>
    private async Task<(StepState State, string Release, string Message)> DescribeActivateAsync(
        Deployment record, string host, string releaseId, StepResult result, CancellationToken ct)
    {
        if (result.Ok)
        {
            return (StepState.Succeeded, releaseId, Describe(result));
        }

        if (result.Activate is { } activate)
        {
            return activate.RolledBack
                ? (StepState.RolledBack, activate.PreviousReleaseId, result.Error)
                : (StepState.Failed, releaseId, result.Error);
        }

        if (result.NoAnswer)
        {
            return (StepState.Failed, "", result.Error);
        }

        return (StepState.Failed, await deployments.LastKnownReleaseAsync(record.App, record.Environment, host, ct).ConfigureAwait(false), result.Error);
    }

    private static string Describe(StepResult result) => result.DetailCase switch
    {
        StepResult.DetailOneofCase.Build => $"built {result.Build.App} {result.Build.Version} ({result.Build.Artifact.Size} bytes, sha256 {result.Build.Artifact.Sha256[..12]})",
        StepResult.DetailOneofCase.Activate => $"{result.Activate.ReleaseId} is current and healthy ({result.Activate.HealthTarget} {result.Activate.HealthDetail})".Replace(" ()", ""),
        _ => "done",
    };

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
