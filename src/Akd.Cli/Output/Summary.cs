using Spectre.Console;

namespace Akd.Cli.Output;

/// <summary>The table printed when a deployment ends: every host's final state and the release it is on.</summary>
internal static class Summary
{
    public static void Write(DeploymentTracker tracker)
    {
        if (Console.IsOutputRedirected)
        {
            WritePlain(tracker);
            return;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumns("HOST", "STEP", "STATE", "RELEASE", "DETAIL");
        foreach (var row in tracker.Final())
        {
            table.AddRow(Markup.Escape(row.Host), row.Step, StateMarkup(row.State), Markup.Escape(Cell.Dash(row.ReleaseId)), Markup.Escape(Truncate(row.Message, 100)));
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

    /// <summary>For CI logs and pipes: one unwrapped line per host, whatever the terminal width.</summary>
    private static void WritePlain(DeploymentTracker tracker)
    {
        var rows = tracker.Final().ToList();
        var hostWidth = rows.Select(r => r.Host.Length).DefaultIfEmpty(4).Max();
        var releaseWidth = rows.Select(r => r.ReleaseId.Length).DefaultIfEmpty(7).Max();
        Console.Out.WriteLine($"{"HOST".PadRight(hostWidth)}  {"STEP",-8}  {"STATE",-11}  {"RELEASE".PadRight(releaseWidth)}  DETAIL");
        foreach (var row in rows)
        {
            var release = Cell.Dash(row.ReleaseId);
            Console.Out.WriteLine($"{row.Host.PadRight(hostWidth)}  {row.Step,-8}  {row.State,-11}  {release.PadRight(releaseWidth)}  {row.Message}");
        }

        Console.Out.WriteLine($"deployment {tracker.Id} {tracker.State}: {tracker.Message}");
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
