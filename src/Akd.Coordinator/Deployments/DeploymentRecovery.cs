using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Replicas;
using Akd.Core.Manifest;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// At start-up: a deployment that was running when the coordinator stopped is marked interrupted, not
/// failed, because its hosts may well have finished their steps. Its hosts reconnect and resend the
/// results they kept; once they are in (or <see cref="CoordinatorOptions.ReconcileWindow"/> passed), the
/// rollout (a deploy's or a fleet operation's) resumes on the hosts it had not reached, or ends with each
/// host's true state and why.
/// </summary>
public sealed partial class DeploymentRecovery(
    AgentStore agents,
    DeploymentStore deployments,
    DeploymentJournal journal,
    DeployLockStore locks,
    AgentRegistry registry,
    DeploymentRunner runner,
    FleetOperationRunner operations,
    DeploymentScheduler scheduler,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<DeploymentRecovery> logger,
    ReplicaIdentity? replica = null) : IHostedService
{
    private readonly CancellationTokenSource _stop = new();
    private Task _reconciling = Task.CompletedTask;
    private Task _takingOver = Task.CompletedTask;

    public async Task StartAsync(CancellationToken ct)
    {
        // Only this replica's agents and deployments, and those of replicas that died: a live replica's are its own.
        var liveSince = clock.GetUtcNow() - options.Value.ReplicaTimeout;
        await agents.MarkOfflineAfterRestartAsync(liveSince, ct).ConfigureAwait(false);
        var interrupted = await deployments.ClaimUnfinishedAsync(liveSince, ct).ConfigureAwait(false);
        var inFlight = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var id in interrupted)
        {
            inFlight[id] = await InFlightAsync(id, ct).ConfigureAwait(false);
            await journal.SetStateAsync(id, DeploymentState.Interrupted,
                $"interrupted by a coordinator restart: waiting up to {options.Value.ReconcileWindow.TotalSeconds:0.#}s for its hosts' results, then resuming", ct).ConfigureAwait(false);
            LogInterrupted(id);
        }

        // An interrupted deployment keeps its lock; anything else left has no running deployment behind it.
        var stale = await locks.ReleaseStaleAsync(ct).ConfigureAwait(false);
        if (stale > 0)
        {
            LogStaleLocks(stale);
        }

        // Not awaited: agents can only reconnect once the coordinator has started.
        _reconciling = Task.WhenAll(interrupted.Select(id => Task.Run(() => ReconcileAsync(id, inFlight[id], _stop.Token), CancellationToken.None)));
        _takingOver = Task.Run(() => TakeOverAsync(_stop.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _reconciling.WaitAsync(ct).ConfigureAwait(false);
        await _takingOver.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// While this replica runs: a deployment whose driving replica stopped beating is taken over (by exactly one
    /// live replica) and reconciled as after a restart: its hosts' results come in, then it resumes or ends.
    /// </summary>
    private async Task TakeOverAsync(CancellationToken ct)
    {
        var taken = new List<Task>();
        try
        {
            using var timer = new PeriodicTimer(options.Value.ReplicaHeartbeatInterval, clock);
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                List<string> orphaned;
                try
                {
                    orphaned = await deployments.ClaimOrphanedAsync(clock.GetUtcNow() - options.Value.ReplicaTimeout, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
                {
                    LogTakeOverFailed(ex.Message);
                    continue;
                }

                foreach (var id in orphaned)
                {
                    var inFlight = await InFlightAsync(id, ct).ConfigureAwait(false);
                    await journal.SetStateAsync(id, DeploymentState.Interrupted,
                        $"its driving coordinator replica stopped; taken over by replica {replica?.Id}, waiting up to {options.Value.ReconcileWindow.TotalSeconds:0.#}s for its hosts' results, then resuming",
                        ct).ConfigureAwait(false);
                    LogTakenOver(id);
                    taken.Add(Task.Run(() => ReconcileAsync(id, inFlight, ct), CancellationToken.None));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        await Task.WhenAll(taken).ConfigureAwait(false);
    }

    private async Task ReconcileAsync(string id, IReadOnlyList<string> inFlight, CancellationToken ct)
    {
        try
        {
            var record = await MarkUnknownAsync(await WaitForHostsAsync(id, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            var online = await OnlineAnywhereAsync(ct).ConfigureAwait(false);
            var plan = ResumePlan.For(record, online.Contains) with { InFlightAtRestart = inFlight };
            if (plan.CannotResume is not null)
            {
                await EndAsync(record, plan.Step, plan.CannotResume, ct).ConfigureAwait(false);
            }
            else if (record.Kind != DeploymentKind.Deploy)
            {
                // Even with no host left, the runner ends it: as one rollout would have, failures counted.
                LogResuming(id, plan.Remaining.Count);
                scheduler.Resume(await operations.ResumePlanAsync(record, plan, ct).ConfigureAwait(false));
            }
            else if (await runner.ResumePlanAsync(record, plan, ct).ConfigureAwait(false) is { } rest)
            {
                LogResuming(id, plan.Remaining.Count);
                scheduler.Resume(rest.Plan, rest.Artifact);
            }
            else
            {
                var what = record.Strategy == "source" ? "source archive" : "artifact";
                var sha = record.Strategy == "source" ? record.SourceSha256 : record.ArtifactSha256;
                await EndAsync(record, plan.Step, $"its {what} {sha[..Math.Min(12, sha.Length)]} is no longer stored", ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping again: it stays interrupted, and the next start reconciles it.
        }
        catch (Exception ex)
        {
            LogReconcileFailed(ex, id);
        }
    }

    /// <summary>Waits until no host step is open and every host still to deploy to is back, or the window passes.</summary>
    private async Task<Deployment> WaitForHostsAsync(string id, CancellationToken ct)
    {
        var until = clock.GetUtcNow() + options.Value.ReconcileWindow;
        while (true)
        {
            var record = await deployments.GetAsync(id, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"deployment {id} vanished");
            var online = await OnlineAnywhereAsync(ct).ConfigureAwait(false);
            var settled = !record.Hosts.Any(h => h.State == StepState.Running) &&
                record.Hosts.Where(h => h.State == StepState.Pending).All(h => online.Contains(h.Host));
            if (settled || clock.GetUtcNow() >= until)
            {
                return record;
            }

            await Task.Delay(options.Value.ReconcilePoll, clock, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Read before any late result: the hosts whose step ran when the driving coordinator stopped.</summary>
    private async Task<IReadOnlyList<string>> InFlightAsync(string id, CancellationToken ct)
    {
        var record = await deployments.GetAsync(id, ct).ConfigureAwait(false);
        return record?.Hosts.Where(h => h.State == StepState.Running).Select(h => h.Host).ToList() ?? [];
    }

    /// <summary>The agents online here or on another live replica: a host on either can be deployed to.</summary>
    private async Task<HashSet<string>> OnlineAnywhereAsync(CancellationToken ct) =>
        (await registry.MatchingAnywhereAsync(LabelSelector.Parse(""), ct).ConfigureAwait(false)).Select(a => a.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A step still open once the window passed failed as far as the rollout goes, as a step whose host never answered
    /// by its deadline does in an uninterrupted rollout: it counts against <c>max_failures</c>, and a result that comes
    /// later still corrects the row.
    /// </summary>
    private async Task<Deployment> MarkUnknownAsync(Deployment record, CancellationToken ct)
    {
        var open = record.Hosts.Where(h => h.State == StepState.Running).ToList();
        foreach (var row in open)
        {
            await journal.RecordHostAsync(record.Id, row.Host, row.Step, StepState.Failed, "",
                "no result came after the coordinator restarted", ct, stateUnknown: true).ConfigureAwait(false);
        }

        return open.Count == 0 ? record : await deployments.GetAsync(record.Id, ct).ConfigureAwait(false) ?? record;
    }

    /// <summary>Ends the deployment with what each host is known to run: no result means unknown (see <see cref="MarkUnknownAsync"/>), never reached means untouched.</summary>
    private async Task EndAsync(Deployment record, StepKind step, string why, CancellationToken ct)
    {
        var reason = $"interrupted by a coordinator restart and not resumed: {why}";
        await journal.SkipAsync(record, record.Hosts.Where(h => h.State == StepState.Pending && h.Step == step).Select(h => h.Host).ToList(), step,
            "not reached: " + reason, ct).ConfigureAwait(false);
        await journal.FinishAsync(record.Id, DeploymentState.Failed, reason, ct).ConfigureAwait(false);
        LogEnded(record.Id, why);
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Deployment {Id} was interrupted by a coordinator restart; reconciling it")]
    private partial void LogInterrupted(string id);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Released {Count} deploy lock(s) left without a running deployment")]
    private partial void LogStaleLocks(int count);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Deployment {Id} resumes on {Count} host(s) after the coordinator restart")]
    private partial void LogResuming(string id, int count);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "Interrupted deployment {Id} ends: {Why}")]
    private partial void LogEnded(string id, string why);

    [LoggerMessage(EventId = 215, Level = LogLevel.Warning, Message = "Deployment {Id} lost its driving replica; this replica takes it over")]
    private partial void LogTakenOver(string id);

    [LoggerMessage(EventId = 216, Level = LogLevel.Warning, Message = "Looking for deployments of dead replicas failed: {Reason}")]
    private partial void LogTakeOverFailed(string reason);

    [LoggerMessage(EventId = 214, Level = LogLevel.Error, Message = "Reconciling deployment {Id} failed; it stays interrupted until the next start")]
    private partial void LogReconcileFailed(Exception ex, string id);
}
