using Akd.Contracts.V1;
using Spectre.Console;

namespace Akd.Cli.Output;

/// <summary>On a terminal: a live table with one row per host and step, and the latest output lines under it.</summary>
internal sealed class LiveProgressView : IProgressView
{
    private const int TailLines = 8;
    private readonly DeploymentTracker _tracker = new();
    private readonly Queue<string> _tail = new();

    public void Note(string message) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");

    public void Detached(DeploymentEvent first) =>
        AnsiConsole.MarkupLine($"deployment [bold]{Markup.Escape(first.DeploymentId)}[/] started; follow it with: akdctl logs {Markup.Escape(first.DeploymentId)} -f");

    public async Task<DeploymentState> FollowAsync(IAsyncEnumerable<DeploymentEvent> events, CancellationToken ct)
    {
        await AnsiConsole.Live(Render()).AutoClear(true).StartAsync(async live =>
        {
            await foreach (var e in events.WithCancellation(ct).ConfigureAwait(false))
            {
                _tracker.Apply(e);
                if (e.Kind is EventKind.Log or EventKind.Progress)
                {
                    _tail.Enqueue(EventText.Line(e));
                    while (_tail.Count > TailLines)
                    {
                        _tail.Dequeue();
                    }
                }

                live.UpdateTarget(Render());
            }
        }).ConfigureAwait(false);

        Summary.Write(_tracker);
        return _tracker.State;
    }

    private Rows Render()
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"deployment {Markup.Escape(_tracker.Id)} [bold]{Markup.Escape(Words.Of(_tracker.State))}[/]")
            .AddColumns("HOST", "STEP", "STATE", "PHASE", "LATEST");
        foreach (var row in _tracker.Hosts)
        {
            table.AddRow(Markup.Escape(row.Host), row.Step.Text(), Summary.StateMarkup(row.State), Markup.Escape(row.Phase.Text()),
                Markup.Escape(Summary.Truncate(row.Message, 70)));
        }

        return new Rows(table, new Text(string.Join('\n', _tail), new Style(Color.Grey)));
    }
}
