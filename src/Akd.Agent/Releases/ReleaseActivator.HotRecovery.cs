using Akd.Agent.Reporting;
using Akd.Agent.Upgrades;
using Akd.Contracts.V1;
using Akd.Core.Releases;

namespace Akd.Agent.Releases;

/// <summary>
/// A hot upgrade the agent died in the middle of (see <see cref="PendingHotUpgrade"/>): the VM is asked which
/// version it runs. On the new version and healthy, the upgrade is finished and recorded; otherwise the host is put
/// back on the old version, hot when the VM is on the new one, cold when the VM is gone or does not answer.
/// </summary>
internal sealed partial class ReleaseActivator
{
    private async Task<ActivateOutput> RecoverHotAsync(PendingActivation pending, PendingHotUpgrade hot, ActivateOutput output, CancellationToken ct)
    {
        var (releaseId, previousId, deploymentId) = (pending.ReleaseId, pending.PreviousId!, pending.DeploymentId);
        var verb = hot.IsRollback ? "hot-downgraded" : "hot-upgraded";
        var what = $"the agent restarted during the hot upgrade {hot.FromVsn} -> {hot.ToVsn} of the VM (pid {hot.Pid})";
        reporter.Phase(Phase.Recover, $"{what}; asking the VM which version it runs");
        var running = new RunState(previousId, hot.Pid, pending.PreviousEnv) { VmReleaseId = hot.VmReleaseId == previousId ? null : hot.VmReleaseId };
        var request = HotRequest(layout.ReleaseDir(hot.VmReleaseId), hot.FromVsn, hot.ToVsn, pending.PreviousEnv);

        var version = ProcessSignals.IsAlive(hot.Pid) ? await RunningRelease.WhichAsync(request, reporter, ct).ConfigureAwait(false) : null;
        if (version is null)
        {
            // The VM is gone or does not answer: nothing can be said of its code, so the old release is started cold.
            reporter.Log(ProcessSignals.IsAlive(hot.Pid) ? $"the VM (pid {hot.Pid}) does not answer" : $"the VM (pid {hot.Pid}) is gone");
            layout.SwitchCurrent(previousId);
            running.Write(layout.SharedDir);
            layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), releaseId, deploymentId, "failed"));
            output.RolledBack = true;
            var back = await RollBackAsync(pending.PreviousEnv, previousId, deploymentId, ct).ConfigureAwait(false);
            throw new ActivationFailedException($"{what}, and the VM did not answer afterwards; {back}", output);
        }

        reporter.Log($"the VM (pid {hot.Pid}) runs {version.Vsn} ({version.Status})");
        var upgrader = new HotUpgrader(reporter);
        if (version.Vsn != hot.ToVsn)
        {
            // release_handler never installed the new version (or went back to the old one itself): the VM serves the old code.
            layout.SwitchCurrent(previousId);
            running.Write(layout.SharedDir);
            return await HotFailedAsync(output, running, releaseId, deploymentId, $"{what}; the VM runs {version.Vsn}, release_handler had not installed {hot.ToVsn}", upgrader, request, ct)
                .ConfigureAwait(false);
        }

        layout.SwitchCurrent(releaseId);
        new RunState(releaseId, hot.Pid, pending.PreviousEnv) { VmReleaseId = hot.VmReleaseId }.Write(layout.SharedDir);
        var health = await CheckAsync(releaseId, pending.PreviousEnv, hot.Pid, ct).ConfigureAwait(false);
        output.HealthTarget = health.Target;
        output.HealthDetail = health.Detail;
        if (health.Healthy && (version.Permanent || await RunningRelease.MakePermanentAsync(request, reporter, ct).ConfigureAwait(false)))
        {
            // The agent may have died after recording it, just before removing the journal entry.
            var done = $"{verb} {hot.FromVsn} -> {hot.ToVsn}";
            if (layout.ReadRevisions() is not [.., var last] || last.ReleaseId != releaseId || last.DeploymentId != deploymentId || last.Result != done)
            {
                layout.AppendRevision(new RevisionEntry(clock.GetUtcNow(), releaseId, deploymentId, done));
            }

            reporter.Log($"{verb} {hot.FromVsn} -> {hot.ToVsn}; the VM kept pid {hot.Pid}");
            Prune(releaseId, previousId);
            return output;
        }

        // On the new version but unhealthy (or release_handler would not make it permanent): the relup's down instructions take the VM back.
        var down = await upgrader.ApplyAsync(request with { FromVsn = hot.ToVsn, ToVsn = hot.FromVsn }, ct).ConfigureAwait(false);
        layout.SwitchCurrent(previousId);
        running.Write(layout.SharedDir);
        var why = health.Healthy ? $"{what}; release_handler did not make {hot.ToVsn} permanent" : $"{what}; health check of {releaseId} failed: {health.Detail}";
        return await HotFailedAsync(output, running, releaseId, deploymentId, down.Applied ? why : $"{why}; the hot downgrade failed too: {down.Detail}", upgrader, null, ct)
            .ConfigureAwait(false);
    }
}
