using System.CommandLine;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl agents join-token --labels L [--name N | --name-prefix P] [--ttl D] [--uses N]</c>: prints a join token, alone on stdout.</summary>
internal static class AgentsJoinTokenCommand
{
    public static Command Build()
    {
        var labels = new Option<string>("--labels") { Description = "The labels the agent gets, e.g. role=web,env=production", Required = true };
        var name = new Option<string?>("--name") { Description = "The agent must take exactly this name" };
        var prefix = new Option<string?>("--name-prefix") { Description = "The agent's name must start with this" };
        var ttl = new Option<string?>("--ttl") { Description = "How long the token is valid (default 1h), e.g. 30m, 1h, 2d" };
        var uses = new Option<int>("--uses") { Description = "How many agents may enroll with it", DefaultValueFactory = _ => 1 };
        var command = new Command("join-token", "Print a token an agent enrolls with once (akd-agent --join TOKEN)") { labels, name, prefix, ttl, uses };
        command.SetAction(async (context, parse, ct) =>
        {
            var request = new CreateJoinTokenRequest
            {
                Name = parse.GetValue(name) ?? "",
                NamePrefix = parse.GetValue(prefix) ?? "",
                TtlSeconds = (int)(Ttl.Parse(parse.GetValue(ttl))?.TotalSeconds ?? 0),
                Uses = parse.GetValue(uses),
            };
            request.Labels.Add(LabelPairs.Parse([parse.GetValue(labels)!]));
            var reply = await context.AgentAccess.CreateJoinTokenAsync(request, deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            Console.Out.WriteLine(context.Json ? new System.Text.Json.Nodes.JsonObject { ["token"] = reply.Token }.ToJsonString() : reply.Token);
            return ExitCodes.Ok;
        });
        return command;
    }
}
