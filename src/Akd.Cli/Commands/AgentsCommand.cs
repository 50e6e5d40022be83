using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;
using Spectre.Console;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl agents</c>: name, labels, state, versions (Hex and rebar3 too: can this host build real apps?), app runner, last seen.</summary>
internal static class AgentsCommand
{
    public static Command Build()
    {
        var command = new Command("agents", "List the agents the coordinator knows; enroll, label, revoke, remove and ping them");
        command.Subcommands.Add(AgentsJoinTokenCommand.Build());
        command.Subcommands.Add(AgentsLabelCommand.Build());
        command.Subcommands.Add(AgentsRevokeCommand.Build());
        command.Subcommands.Add(AgentsRemoveCommand.Build());
        command.Subcommands.Add(AgentsPingCommand.Build());
        command.SetAction(async (context, parse, ct) =>
        {
            var response = await context.Control.ListAgentsAsync(new ListAgentsRequest(), deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            if (context.Json)
            {
                foreach (var agent in response.Agents)
                {
                    Json.WriteLine(agent);
                }

                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("NAME", "LABELS", "STATE", "AGENT", "ELIXIR", "OTP", "ASDF", "HEX", "REBAR3", "RUNNER", "LAST SEEN");
            foreach (var a in response.Agents)
            {
                table.AddRow(
                    Markup.Escape(a.Name),
                    Markup.Escape(string.Join(",", a.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))),
                    a.State == AgentState.Online ? "[green]online[/]" : "[red]offline[/]",
                    Markup.Escape(a.AgentVersion),
                    Markup.Escape(ToolchainCells.Tool(a.Toolchain, t => t.Elixir)),
                    Markup.Escape(ToolchainCells.Tool(a.Toolchain, t => t.Otp)),
                    Markup.Escape(ToolchainCells.Tool(a.Toolchain, t => t.Asdf)),
                    Markup.Escape(ToolchainCells.Tool(a.Toolchain, t => t.Hex)),
                    Markup.Escape(ToolchainCells.Tool(a.Toolchain, t => t.Rebar3)),
                    Markup.Escape(Cell.Dash(a.Toolchain?.AppRunner)),
                    Markup.Escape(TimeText.Ago(a.LastSeen)));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

}
