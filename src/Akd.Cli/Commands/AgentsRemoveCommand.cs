using System.CommandLine;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl agents remove NAME</c>: an offline or revoked agent leaves the fleet, so deploys stop waiting for it.</summary>
internal static class AgentsRemoveCommand
{
    public static Command Build()
    {
        var name = new Argument<string>("name") { Description = "The agent" };
        var command = new Command("remove", "Take an offline or revoked agent out of the fleet") { name };
        command.SetAction(async (context, parse, ct) =>
        {
            var reply = await context.AgentAccess.RemoveAgentAsync(new AgentNameRequest { Name = parse.GetValue(name)! },
                deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            AgentsReply.Print(context, reply, $"{reply.Name} removed");
            return ExitCodes.Ok;
        });
        return command;
    }
}
