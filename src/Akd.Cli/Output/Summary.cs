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
            table.AddRow(Markup.Escape(row.Host), row.Step.Text(), StateMarkup(row.State), Markup.Escape(Cell.Dash(row.ReleaseId)), Markup.Escape(Truncate(row.Message, 100)));
        }

        AnsiConsole.Write(table);
        var verdict = tracker.State switch
        {
            DeploymentState.Succeeded => "[green]succeeded[/]",
            DeploymentState.Cancelled => "[yellow]cancelled[/]",
            _ => $"[red]{Markup.Escape(Words.Of(tracker.State))}[/]",
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
            Console.Out.WriteLine($"{row.Host.PadRight(hostWidth)}  {row.Step.Text(),-8}  {row.State.Text(),-11}  {release.PadRight(releaseWidth)}  {row.Message}");
        }

        Console.Out.WriteLine($"deployment {tracker.Id} {Words.Of(tracker.State)}: {tracker.Message}");
    }

    /// <summary>A host step's state, coloured.</summary>
    public static string StateMarkup(StepState state) => Coloured(state.Text(), state switch
    {
        StepState.Succeeded => "green",
        StepState.Failed => "red",
        StepState.RolledBack => "yellow",
        StepState.Running => "blue",
        StepState.Skipped => "grey",
        _ => null,
    });

    /// <summary>A deployment's state, coloured as a step's of the same word.</summary>
    public static string StateMarkup(DeploymentState state) => Coloured(Words.Of(state), state switch
    {
        DeploymentState.Succeeded => "green",
        DeploymentState.Failed => "red",
        DeploymentState.Running => "blue",
        DeploymentState.Cancelling or DeploymentState.Cancelled => "yellow",
        _ => null,
    });

    private static string Coloured(string word, string? colour) => colour is null ? Markup.Escape(word) : $"[{colour}]{word}[/]";

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
