using Akd.Cli.Output;
using Akd.Contracts.V1;
using Grpc.Core;

namespace Akd.Cli;

/// <summary>What deploy, rollback and start/stop/restart share once their request is built: lock, follow, exit code.</summary>
internal static class FleetCall
{
    public static async Task<int> RunAsync(
        CliContext context, IProgressView view, Func<AsyncServerStreamingCall<DeploymentEvent>> start, bool wait, bool detach, CancellationToken ct)
    {
        var (call, first) = await LockWait.StartAsync(context, start, wait, view.Note, ct).ConfigureAwait(false);
        using (call)
        {
            if (detach)
            {
                view.Detached(first);
                return ExitCodes.Ok;
            }

            var final = await view.FollowAsync(LockWait.Events(first, call.ResponseStream, ct), ct).ConfigureAwait(false);
            if (final != DeploymentState.Succeeded)
            {
                return ExitCodes.Failed;
            }

            // max_failures lets a rollout finish past failed hosts, but a script must still learn that not
            // every target took the change: exit 0 only when every host did.
            var deployment = await context.Control.GetDeploymentAsync(
                new GetDeploymentRequest { Id = first.DeploymentId }, deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            var missed = deployment.Hosts
                .Where(h => h.State == StepState.Failed || (h.Step == StepKind.Activate && h.State is StepState.RolledBack or StepState.Skipped))
                .Select(h => h.Host).Distinct().ToList();
            if (missed.Count > 0)
            {
                view.Note($"the rollout finished within max_failures, but {string.Join(", ", missed)} did not take it");
                return ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        }
    }
}
