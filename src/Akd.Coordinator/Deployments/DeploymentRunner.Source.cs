using Akd.Contracts.V1;
using Akd.Core.Releases;

namespace Akd.Coordinator.Deployments;

/// <summary>Strategy <c>source</c>: no build agent; every target builds the source itself and runs it with mix.</summary>
public sealed partial class DeploymentRunner
{
    private async Task DeliverSourceAsync(DeploymentPlan plan, DeploymentControl control, CancellationToken ct)
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
                await FinishAsync(plan, DeploymentState.Failed, ex.Message, ct).ConfigureAwait(false);
                return;
            }

            await deployments.SetBuildAsync(plan.Record.Id, "", version, releaseId, ct).ConfigureAwait(false);
        }

        var deadline = SourceDeadline(plan);
        await DeliverAsync(plan, control, releaseId, version, (command, knownId) =>
        {
            command.DeadlineSeconds = (int)Math.Ceiling(deadline.TotalSeconds);
            command.SourceActivate = new SourceActivateStep { Source = plan.Source, ReleaseId = knownId, CreatedAt = plan.Record.CreatedAt };
        }, ct).ConfigureAwait(false);
    }

    /// <summary>A target compiles before it activates: unless deploy.step_timeout says otherwise, it gets the build's time and the activation's.</summary>
    private TimeSpan SourceDeadline(DeploymentPlan plan) =>
        plan.Manifest.Deploy.StepTimeout ?? options.Value.BuildDeadline + options.Value.ActivateDeadline;

    /// <summary>When targets named the release themselves (a git source), record the id the first of them reported.</summary>
    private async Task LearnReleaseIdAsync(DeploymentPlan plan, KnownReleaseId known, StepResult result, CancellationToken ct)
    {
        if (result.Activate?.ReleaseId is not { Length: > 0 } learned
            || !ReleaseId.TryParse(learned, out var version, out _)
            || !known.TrySet(learned))
        {
            return;
        }

        await deployments.SetBuildAsync(plan.Record.Id, "", version, learned, ct).ConfigureAwait(false);
    }

    /// <summary>The deployment's release id; hosts of one batch run in parallel, so the first to name it wins.</summary>
    private sealed class KnownReleaseId(string initial)
    {
        private readonly Lock _gate = new();
        private string _value = initial;

        public string Value
        {
            get
            {
                lock (_gate)
                {
                    return _value;
                }
            }
        }

        public bool TrySet(string id)
        {
            lock (_gate)
            {
                if (_value.Length > 0)
                {
                    return false;
                }

                _value = id;
                return true;
            }
        }
    }
}
