using Spectre.Console;

namespace Akd.Cli.Output;

/// <summary>The table printed when a deployment ends: every host's final state and the release it is on.</summary>
internal static class Summary
{
    public static void Write(DeploymentTracker tracker)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("HOST", "STEP", "STATE", "RELEASE", "DETAIL");
        foreach (var row in tracker.Final())
        {
            table.AddRow(Markup.Escape(row.Host), row.Step, StateMarkup(row.State), Markup.Escape(row.ReleaseId), Markup.Escape(Truncate(row.Message, 100)));
        }

        AnsiConsole.Write(table);
        var verdict = tracker.State switch
        {
            "succeeded" => "[green]succeeded[/]",
            "cancelled" => "[yellow]cancelled[/]",
            _ => $"[red]{Markup.Escape(tracker.State)}[/]",
        };
        AnsiConsole.MarkupLine($"deployment {Markup.Escape(tracker.Id)} {verdict}: {Markup.Escape(tracker.Message)}");
    }

    public static string StateMarkup(string state) => state switch
    {
        "succeeded" => "[green]succeeded[/]",
        "failed" => "[red]failed[/]",
        "rolled-back" => "[yellow]rolled-back[/]",
        "running" => "[blue]running[/]",
        "cancelling" => "[yellow]cancelling[/]",
        "cancelled" => "[yellow]cancelled[/]",
        "skipped" => "[grey]skipped[/]",
        _ => Markup.Escape(state),
    };

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
