using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;
using Spectre.Console;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl status [DEPLOYMENT]</c>: one deployment in detail (the latest when no id is given).</summary>
internal static class StatusCommand
{
    public static Command Build()
    {
        var id = new Argument<string?>("deployment") { Description = "Deployment id (default: the most recent)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Show a deployment and its hosts") { id };
        command.SetAction(async (context, parse, ct) =>
        {
            var wanted = parse.GetValue(id);
            if (string.IsNullOrEmpty(wanted))
            {
                var latest = await context.Control.ListDeploymentsAsync(new ListDeploymentsRequest { Limit = 1 }, deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
                wanted = latest.Deployments.FirstOrDefault()?.Id ?? throw new CliException("no deployment yet");
            }

            var d = await context.Control.GetDeploymentAsync(new GetDeploymentRequest { Id = wanted }, deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            if (context.Json)
            {
                Json.WriteLine(d);
                return ExitCodes.Ok;
            }

            var grid = new Grid().AddColumn().AddColumn();
            void Add(string key, string value) => grid.AddRow($"[bold]{key}[/]", Markup.Escape(value));
            Add("deployment", d.Id);
            Add("kind", HostResults.Kind(d).Text() + (string.IsNullOrEmpty(d.RollbackTo) ? "" : $" to {d.RollbackTo}"));
            grid.AddRow("[bold]state[/]", Summary.StateMarkup(d.State));
            Add("app", d.App + (string.IsNullOrEmpty(d.Environment) ? "" : $" ({d.Environment})"));
            Add("release", string.IsNullOrEmpty(d.ReleaseId) ? "-" : $"{d.ReleaseId} (version {d.Version})");
            Add("actor", Cell.Dash(d.Actor));
            if (!string.IsNullOrEmpty(d.BuiltBy))
            {
                Add("built by", d.BuiltBy);
            }

            if (!string.IsNullOrEmpty(d.CancelledBy))
            {
                Add("cancelled by", d.CancelledBy);
            }

            if (d.SkippedOffline.Count > 0)
            {
                Add("skipped offline", string.Join(", ", d.SkippedOffline) + " (--skip-offline)");
            }

            Add("started", TimeText.At(d.CreatedAt));
            Add("finished", Cell.Dash(TimeText.At(d.FinishedAt)));
            Add("manifest", Cell.Dash(d.ManifestSha256));
            Add("source", Cell.Dash(d.SourceSha256));
            Add("artifact", Cell.Dash(d.ArtifactSha256));
            if (!string.IsNullOrEmpty(d.Error))
            {
                grid.AddRow("[bold]error[/]", $"[red]{Markup.Escape(d.Error)}[/]");
            }

            AnsiConsole.Write(grid);
            // Every step of every host, in the order they ran; a host's last row is where it ended.
            var table = new Table().Border(TableBorder.Simple).AddColumns("HOST", "STEP", "STATE", "RELEASE", "RECEIVED", "DETAIL");
            foreach (var h in d.Hosts.OrderBy(h => h.Step == StepKind.Build ? 0 : 1).ThenBy(h => h.Host, StringComparer.Ordinal)
                .ThenBy(h => h.StartedAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue))
            {
                table.AddRow(Markup.Escape(h.Host), h.Step.Text(), Summary.StateMarkup(h.State), Markup.Escape(Cell.Dash(h.ReleaseId)),
                    Markup.Escape(Received(h.Transfer)), Markup.Escape(Summary.Truncate(h.Message, 100)));
            }

            AnsiConsole.Write(table);
            return d.State is DeploymentState.Failed or DeploymentState.Cancelled ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Where the host's copy of the release came from: "12.3 MiB coordinator, 40.0 MiB peers"; "-" when it did not say.</summary>
    internal static string Received(TransferStats? transfer) =>
        transfer is null ? "-" : $"{ByteSize.Text(transfer.BytesFromCoordinator)} coordinator, {ByteSize.Text(transfer.BytesFromPeers)} peers";
}
