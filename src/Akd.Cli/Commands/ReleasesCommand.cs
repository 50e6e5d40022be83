using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;
using Spectre.Console;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl releases APP [--env E]</c>: per host, the current release, where a rollback would go, and the kept ones.</summary>
internal static class ReleasesCommand
{
    public static Command Build()
    {
        var options = new AppOptions();
        var command = options.Query("releases", "Show, per target host, the current release and the kept ones");
        command.SetAction(async (context, parse, ct) =>
        {
            var response = await context.Control.ListReleasesAsync(
                new ListReleasesRequest { App = parse.GetValue(options.App)!, Environment = options.Environment(parse) }, cancellationToken: ct).ConfigureAwait(false);
            if (context.Json)
            {
                foreach (var host in response.Hosts)
                {
                    Json.WriteLine(host);
                }
            }
            else
            {
                AnsiConsole.Write(Table(response));
            }

            return response.Hosts.All(h => h.State == HostAnswer.Ok) ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static Table Table(ListReleasesResponse response)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("HOST", "CURRENT", "RUNNING", "ROLLBACK TO", "KEPT (oldest first)");
        foreach (var h in response.Hosts.OrderBy(h => h.Host, StringComparer.Ordinal))
        {
            if (h.State != HostAnswer.Ok)
            {
                table.AddRow(Markup.Escape(h.Host), $"[red]{Markup.Escape(h.State.Text())}[/]", "", "", Markup.Escape(h.Error));
                continue;
            }

            var r = h.Releases;
            var kept = string.Join("\n", r.Releases.Select(k => k.ReleaseId + (k.ResultWords().Length == 0 ? "" : $" ({k.ResultWords()})")));
            table.AddRow(
                Markup.Escape(h.Host),
                Markup.Escape(Cell.Dash(r.CurrentReleaseId)),
                r.Running ? $"[green]pid {r.Pid}[/]" : "[red]no[/]",
                Markup.Escape(Cell.Dash(r.RollbackTarget)),
                Markup.Escape(kept.Length == 0 ? "-" : kept));
        }

        return table;
    }

}
