using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;
using Grpc.Core;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl logs DEPLOYMENT [-f]</c>: every stored event of a deployment, optionally following it live.</summary>
internal static class LogsCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("deployment") { Description = "Deployment id" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep following until the deployment ends" };
        var command = new Command("logs", "Show a deployment's log") { id, follow };
        command.SetAction(async (context, parse, ct) =>
        {
            using var call = context.Control.WatchDeployment(
                new WatchDeploymentRequest { Id = parse.GetValue(id)!, Follow = parse.GetValue(follow) }, cancellationToken: ct);
            await foreach (var e in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (context.Json)
                {
                    Json.WriteLine(e);
                }
                else
                {
                    Console.Out.WriteLine(EventText.Line(e));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
