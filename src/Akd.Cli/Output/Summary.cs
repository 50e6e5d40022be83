using Akd.Contracts.V1;
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
        var verdict = Vocabulary.Parse<DeploymentState>(tracker.State) switch
        {
            DeploymentState.Succeeded => "[green]succeeded[/]",
            DeploymentState.Cancelled => "[yellow]cancelled[/]",
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

    /// <summary>A deployment's or a host step's state (the two share words), coloured.</summary>
    public static string StateMarkup(string state)
    {
        var colour = Vocabulary.Parse<StepState>(state) switch
        {
            StepState.Succeeded => "green",
            StepState.Failed => "red",
            StepState.RolledBack => "yellow",
            StepState.Running => "blue",
            StepState.Skipped => "grey",
            _ => Vocabulary.Parse<DeploymentState>(state) is DeploymentState.Cancelling or DeploymentState.Cancelled ? "yellow" : null,
        };
        return colour is null ? Markup.Escape(state) : $"[{colour}]{state}[/]";
    }

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
