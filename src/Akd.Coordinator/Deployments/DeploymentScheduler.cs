using System.Collections.Concurrent;
using Akd.Contracts.V1;
using Akd.Coordinator.Observability;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Runs deployments in the background, independent of the akdctl call that started them:
/// a CI job that loses its connection does not leave a fleet half-deployed. Admits one deployment
/// at a time per app and environment (the deploy lock) and keeps the handle that cancels it.
/// </summary>
public sealed class DeploymentScheduler(
    DeploymentRunner runner,
    FleetOperationRunner operations,
    DeployLockStore locks,
    DeploymentStore deployments,
    DeploymentJournal journal,
    CoordinatorMetrics metrics,
    IHostApplicationLifetime lifetime)
{
    private readonly ConcurrentDictionary<string, DeploymentControl> _running = new();

    // Taking the lock and storing the deployment happen together, so no other admission sees a lock
    // whose deployment is not stored yet (which would look stale).
    private readonly SemaphoreSlim _admission = new(1, 1);

    /// <exception cref="DeployLockedException">Another deployment of the app and environment runs.</exception>
    public Task<string> StartAsync(DeploymentPlan plan, CancellationToken ct) =>
        AdmitAsync(plan.Record, token => runner.CreateAsync(plan, token), (control, token) => runner.RunAsync(plan, control, token), ct);

    /// <exception cref="DeployLockedException">Another deployment of the app and environment runs.</exception>
    public Task<string> StartAsync(OperationPlan plan, CancellationToken ct) =>
        AdmitAsync(plan.Record, token => operations.CreateAsync(plan, token), (control, token) => operations.RunAsync(plan, control, token), ct);

    public bool IsRunning(string id) => _running.ContainsKey(id);

    /// <summary>
    /// Runs the rest of an interrupted deployment in the background. It still holds its deploy lock (an
    /// unfinished deployment's lock survives the restart), so there is no admission.
    /// </summary>
    public void Resume(DeploymentPlan plan, ArtifactRef artifact)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Launch(plan.Record.Id, (control, token) => runner.ResumeAsync(plan, artifact, control, token), plan.Record.CancelledBy);
    }

    /// <summary>Runs the rest of an interrupted fleet operation in the background; it still holds its deploy lock.</summary>
    public void Resume(OperationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Launch(plan.Record.Id, (control, token) => operations.ResumeAsync(plan, control, token), plan.Record.CancelledBy);
    }

    /// <summary>Asks a running deployment to stop; false when it is not running on this coordinator.</summary>
    public async Task<bool> CancelAsync(string id, string actor, CancellationToken ct)
    {
        if (!_running.TryGetValue(id, out var control))
        {
            return false;
        }

        if (control.IsCancelRequested)
        {
            return true;
        }

        // Stored before the cancel is signalled: a build stops at once and finishes the deployment,
        // after which its row no longer changes and who cancelled it would be lost.
        await deployments.SetCancelledByAsync(id, actor, ct).ConfigureAwait(false);
        if (control.RequestCancel(actor))
        {
            await journal.SetStateAsync(id, DeploymentState.Cancelling,
                $"cancel requested by {actor}: the hosts in flight finish their step, then those that switched go back", ct).ConfigureAwait(false);
        }

        return true;
    }

    private async Task<string> AdmitAsync(
        Deployment record, Func<CancellationToken, Task> create, Func<DeploymentControl, CancellationToken, Task> run, CancellationToken ct)
    {
        var id = record.Id;
        await _admission.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var wanted = new DeployLock(record.App, record.Environment, id, record.Kind, record.Actor, record.CreatedAt.ToDateTimeOffset());
            if (await locks.TryAcquireAsync(wanted, ct).ConfigureAwait(false) is { } holder)
            {
                metrics.LockConflict(record.Kind.Text());
                throw new DeployLockedException(holder);
            }

            try
            {
                await create(ct).ConfigureAwait(false);
            }
            catch
            {
                await locks.ReleaseAsync(id, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _admission.Release();
        }

        Launch(id, run);
        return id;
    }

    /// <param name="cancelledBy">Who asked to cancel it before a coordinator restart: the resumed run honours it.</param>
    private void Launch(string id, Func<DeploymentControl, CancellationToken, Task> run, string cancelledBy = "")
    {
        var control = new DeploymentControl();
        if (cancelledBy.Length > 0)
        {
            control.RequestCancel(cancelledBy);
        }

        _running[id] = control;
        _ = Task.Run(async () =>
        {
            try
            {
                await run(control, lifetime.ApplicationStopping).ConfigureAwait(false);
            }
            finally
            {
                // Finishing released the lock already; this covers a runner that ended without finishing,
                // except one interrupted by a stop: it keeps its lock until the next start reconciles it.
                _running.TryRemove(id, out _);
                var record = await deployments.GetAsync(id, CancellationToken.None).ConfigureAwait(false);
                if (record is { FinishedAt: not null } ended)
                {
                    metrics.DeploymentEnded(ended.Kind.Text(), ended.State.Text());
                }

                if (record is { FinishedAt: not null } || !lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    await locks.ReleaseAsync(id, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }, CancellationToken.None);
    }
}
