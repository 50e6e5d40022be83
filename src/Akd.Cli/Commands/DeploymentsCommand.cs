using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;
using Spectre.Console;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl deployments [--app A]</c>: the history, newest first.</summary>
internal static class DeploymentsCommand
{
    public static Command Build()
    {
        var app = new Option<string?>("--app") { Description = "Only this app" };
        var limit = new Option<int>("--limit") { Description = "How many", DefaultValueFactory = _ => 20 };
        var command = new Command("deployments", "List recent deployments") { app, limit };
        command.SetAction(async (context, parse, ct) =>
        {
            var response = await context.Control.ListDeploymentsAsync(
                new ListDeploymentsRequest { App = parse.GetValue(app) ?? "", Limit = parse.GetValue(limit) }, deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            if (context.Json)
            {
                foreach (var d in response.Deployments)
                {
                    Json.WriteLine(d);
                }

                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("ID", "KIND", "APP", "ENV", "STATE", "RELEASE", "ACTOR", "STARTED", "HOSTS OK");
            foreach (var d in response.Deployments)
            {
                var hosts = HostResults.Final(d);
                table.AddRow(
                    Markup.Escape(d.Id), Markup.Escape(HostResults.Kind(d).Text()), Markup.Escape(d.App), Markup.Escape(Cell.Dash(d.Environment)),
                    Summary.StateMarkup(d.State), Markup.Escape(Cell.Dash(d.ReleaseId)), Markup.Escape(Cell.Dash(d.Actor)), Markup.Escape(TimeText.At(d.CreatedAt)),
                    $"{hosts.Count(h => HostResults.IsOk(d, h))}/{hosts.Count}");
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
