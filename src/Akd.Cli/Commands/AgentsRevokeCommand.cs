using System.CommandLine;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl agents revoke NAME</c>: its certificates stop counting and its stream closes.</summary>
internal static class AgentsRevokeCommand
{
    public static Command Build()
    {
        var name = new Argument<string>("name") { Description = "The agent" };
        var command = new Command("revoke", "Revoke an agent: its stream closes and every later call with its certificate is refused") { name };
        command.SetAction(async (context, parse, ct) =>
        {
            var reply = await context.AgentAccess.RevokeAgentAsync(new AgentNameRequest { Name = parse.GetValue(name)! },
                deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            AgentsReply.Print(context, reply, $"{reply.Name} revoked at {reply.RevokedAt.ToDateTime():yyyy-MM-dd HH:mm:ss} UTC");
            return ExitCodes.Ok;
        });
        return command;
    }
}
