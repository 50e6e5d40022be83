using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;
using Grpc.Core;

namespace Akd.Cli.Commands;

/// <summary>
/// <c>akdctl cancel DEPLOYMENT</c>: the hosts in flight finish their step, those that switched go back,
/// the rest are not touched. Waits for the deployment to end unless <c>--detach</c>.
/// </summary>
internal static class CancelCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("deployment") { Description = "Deployment id (see akdctl deployments)" };
        var detach = new Option<bool>("--detach") { Description = "Ask for the cancel and return without waiting for the deployment to end" };
        var command = new Command("cancel", "Stop a running deployment; hosts that switched go back") { id, detach };
        command.SetAction(async (context, parse, ct) =>
        {
            var deployment = await context.Control.CancelDeploymentAsync(
                new CancelDeploymentRequest { Id = parse.GetValue(id)! }, cancellationToken: ct).ConfigureAwait(false);
            // Followed from the start (the summary needs every host), printed from the cancel on: the build's log again
            // is not what the one who cancels wants to read.
            var view = ProgressViews.Create(context.Json, e => e.Kind == EventKind.Deployment && e.DeploymentState == DeploymentState.Cancelling);
            if (parse.GetValue(detach))
            {
                if (context.Json)
                {
                    Json.WriteLine(deployment);
                }
                else
                {
                    view.Note($"cancel of {deployment.Id} requested; follow it with: akdctl logs {deployment.Id} -f");
                }

                return ExitCodes.Ok;
            }

            using var call = context.Control.WatchDeployment(new WatchDeploymentRequest { Id = deployment.Id, Follow = true }, cancellationToken: ct);
            var final = await view.FollowAsync(call.ResponseStream.ReadAllAsync(ct), ct).ConfigureAwait(false);
            if (final != DeploymentState.Cancelled)
            {
                throw new CliException($"deployment {deployment.Id} ended {Words.Of(final)} before the cancel took effect");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
