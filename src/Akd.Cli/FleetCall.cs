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
            return final == "succeeded" ? ExitCodes.Ok : ExitCodes.Failed;
        }
    }
}
