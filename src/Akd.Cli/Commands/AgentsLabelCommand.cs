using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl agents label NAME k=v...</c>: replaces an enrolled agent's labels.</summary>
internal static class AgentsLabelCommand
{
    public static Command Build()
    {
        var name = new Argument<string>("name") { Description = "The agent" };
        var pairs = new Argument<string[]>("labels") { Description = "Its labels from now on: key=value ...", Arity = ArgumentArity.OneOrMore };
        var command = new Command("label", "Replace the labels of an enrolled agent") { name, pairs };
        command.SetAction(async (context, parse, ct) =>
        {
            var request = new LabelAgentRequest { Name = parse.GetValue(name)! };
            request.Labels.Add(LabelPairs.Parse(parse.GetValue(pairs)!));
            var reply = await context.AgentAccess.LabelAgentAsync(request, deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            AgentsReply.Print(context, reply, $"{reply.Name}: {string.Join(",", reply.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))}");
            return ExitCodes.Ok;
        });
        return command;
    }
}

internal static class AgentsReply
{
    public static void Print(CliContext context, AgentAccessReply reply, string text)
    {
        if (context.Json)
        {
            Json.WriteLine(reply);
        }
        else
        {
            Console.Out.WriteLine(text);
        }
    }
}
