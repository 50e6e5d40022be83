using Akd.Agent.Reporting;
using Akd.Agent.Upgrades;
using Akd.Contracts.V1;
using Akd.Core.Releases;
using Google.Protobuf;

namespace Akd.Agent.Steps;

/// <summary>
/// Puts a kept release back into service through the same <see cref="ReleaseActivator"/> as a deploy,
/// so it works for every way of running an app; revisions.log records it as "rolled-back".
/// </summary>
public sealed class RollbackStepHandler
{
    internal async Task<ActivateOutput> RunAsync(StepCommand command, StepContext context, CancellationToken ct)
    {
        var (layout, reporter) = (context.Layout, context.Reporter);
        var current = ReadCurrent(layout);
        var target = Target(layout, command.Rollback.ToRelease, current);
        if (target == current)
        {
            reporter.Log($"release {target} is already current; nothing to do");
            return new ActivateOutput { ReleaseId = target, PreviousReleaseId = current, DeployPath = layout.Root };
        }

        reporter.Phase(Phase.Rollback, $"from {current} to {target}");
        var sandbox = await context.SandboxAsync(ct).ConfigureAwait(false);
        // A host that runs a hot-upgraded VM goes back hot when that VM has the target installed.
        var activator = context.Activator(sandbox, journal: context.Journal, command: command.ToByteArray(), upgrade: HotUpgradePolicy.Rollback);
        return await activator.ActivateAsync(target, context.Env, command.DeploymentId, "rolled-back", ct).ConfigureAwait(false);
    }

    private static string ReadCurrent(ReleaseLayout layout)
    {
        try
        {
            return layout.CurrentReleaseId() ?? throw new StepFailedException($"nothing is deployed in {layout.Root}: there is nothing to roll back");
        }
        catch (IOException ex)
        {
            throw new StepFailedException(ex.Message);
        }
    }

    private static string Target(ReleaseLayout layout, string wanted, string current)
    {
        var kept = layout.ListReleases();
        if (string.IsNullOrEmpty(wanted))
        {
            return layout.RollbackTargetId()
                ?? throw new StepFailedException($"no earlier release that was live is kept here (current: {current}; kept: {string.Join(", ", kept)}); name one with --to");
        }

        if (!kept.Contains(wanted, StringComparer.Ordinal))
        {
            throw new StepFailedException($"release {wanted} is not kept on this host (kept: {string.Join(", ", kept)})");
        }

        return wanted;
    }
}
