using Akd.Contracts.V1;

namespace Akd.Coordinator.Deployments;

public sealed partial class FleetOperationRunner
{
    /// <summary>The rest of an operation a coordinator restart interrupted: its stored manifest, the hosts done and the hosts not reached.</summary>
    public async Task<OperationPlan> ResumePlanAsync(Deployment record, ResumePlan resume, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(resume);
        var yaml = await deployments.ManifestYamlAsync(record.Id, ct).ConfigureAwait(false);
        return new OperationPlan(record, resume.Manifest(record, yaml), yaml, record.Environment, resume.Remaining) { DoneBefore = resume.Done };
    }

    /// <summary>
    /// Goes on with an interrupted operation from its next batch, on the hosts it had not reached; the hosts
    /// done count as in one rollout. Never throws, as <see cref="RunAsync"/>.
    /// </summary>
    public async Task ResumeAsync(OperationPlan plan, DeploymentControl control, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        try
        {
            var what = plan.Targets.Count == 0 ? "every host had ended its step" : $"{plan.Record.Kind.Text()} on {string.Join(", ", plan.Targets)} (hosts already done are not touched again)";
            await journal.NoteAsync(plan.Record.Id, $"resuming after a coordinator restart: {what}", ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }

        await RunAsync(plan, control, ct).ConfigureAwait(false);
    }
}
