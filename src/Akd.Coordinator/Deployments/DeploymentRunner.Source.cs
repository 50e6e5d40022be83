using Akd.Contracts.V1;
using Akd.Core.Releases;

namespace Akd.Coordinator.Deployments;

/// <summary>Strategy <c>source</c>: no build agent; every target builds the source itself and runs it with mix.</summary>
public sealed partial class DeploymentRunner
{
    private async Task DeliverSourceAsync(DeploymentPlan plan, CancellationToken ct)
    {
        var version = plan.SourceVersion;
        var releaseId = "";
        if (version.Length > 0)
        {
            try
            {
                releaseId = ReleaseId.Create(version, plan.Record.CreatedAt.ToDateTimeOffset());
            }
            catch (ArgumentException ex)
            {
                await FinishAsync(plan, DeploymentStates.Failed, ex.Message, ct).ConfigureAwait(false);
                return;
            }

            await deployments.SetBuildAsync(plan.Record.Id, "", version, releaseId, ct).ConfigureAwait(false);
        }

        // A target compiles before it activates: it gets the build's time and the activation's.
        var deadline = (int)(options.Value.BuildDeadline + options.Value.ActivateDeadline).TotalSeconds;
        await DeliverAsync(plan, releaseId, version, (command, knownId) =>
        {
            command.DeadlineSeconds = deadline;
            command.SourceActivate = new SourceActivateStep { Source = plan.Source, ReleaseId = knownId, CreatedAt = plan.Record.CreatedAt };
        }, ct).ConfigureAwait(false);
    }

    /// <summary>When targets named the release themselves (a git source), record the id the first of them reported.</summary>
    private async Task<string> LearnReleaseIdAsync(DeploymentPlan plan, string releaseId, IEnumerable<StepResult> results, CancellationToken ct)
    {
        if (releaseId.Length > 0
            || results.Select(r => r.Activate?.ReleaseId).FirstOrDefault(id => !string.IsNullOrEmpty(id)) is not { } learned
            || !ReleaseId.TryParse(learned, out var version, out _))
        {
            return releaseId;
        }

        await deployments.SetBuildAsync(plan.Record.Id, "", version, learned, ct).ConfigureAwait(false);
        return learned;
    }
}
