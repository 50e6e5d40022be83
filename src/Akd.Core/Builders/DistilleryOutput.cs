using System.Text.RegularExpressions;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// Reads what <c>mix distillery.release</c> printed, as it runs: whether it failed at its known archive
/// fault, which release it said it built, and the error to quote when it failed otherwise.
/// Distillery 2.x writes every message to stdout as <c>==&gt; MESSAGE</c>; mix and Elixir write
/// compile errors and crashes as <c>** (Kind) ...</c>.
/// </summary>
internal sealed partial class DistilleryOutput
{
    private const string Prefix = "==> ";
    private const int MaxQuoteLength = 600;
    private const int MaxContinuationLines = 3;
    private const int MaxTailLines = 3;

    // Distillery's progress messages: never the error it failed with.
    private static readonly string[] ProgressMessages =
        ["Assembling release..", "Building release ", "Including ERTS ", "Packaging release..", "Generated .appup ", "Relup successfully created"];

    private readonly Queue<string> _tail = new();
    private bool _packaging;
    private List<string>? _error;
    private bool _inError;

    /// <summary>The <c>Failed to archive release: ...</c> message, when it came after <c>Packaging release..</c> and was the last error.</summary>
    public string? ArchiveFault { get; private set; }

    /// <summary>The release distillery said it was building (<c>Building release APP:VSN using environment ENV</c>).</summary>
    public (string App, string Version)? Building { get; private set; }

    public void Add(OutputLine line)
    {
        if (line.Stream is not (OutputLine.StdOut or OutputLine.StdErr))
        {
            return;
        }

        var text = Ansi().Replace(line.Text, "").TrimEnd();
        if (text.Length == 0)
        {
            _inError = false;
            return;
        }

        _tail.Enqueue(text);
        if (_tail.Count > MaxTailLines)
        {
            _tail.Dequeue();
        }

        if (text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            Message(text[Prefix.Length..]);
        }
        else if (text.StartsWith("** (", StringComparison.Ordinal))
        {
            _error = [text];
            _inError = false;
            ArchiveFault = null;
        }
        else if (_inError && char.IsWhiteSpace(text[0]) && _error!.Count <= MaxContinuationLines)
        {
            _error.Add(text.Trim());
        }
        else
        {
            _inError = false;
        }
    }

    /// <summary>
    /// The error to quote: distillery's last message that is not progress (with its indented lines),
    /// or the last <c>** (...)</c> line, whichever came later; else the last lines printed.
    /// </summary>
    public string Error()
    {
        var lines = _error ?? [.. _tail];
        var quote = string.Join(" ", lines);
        if (quote.Length == 0)
        {
            return "it printed nothing";
        }

        return quote.Length <= MaxQuoteLength ? quote : quote[..MaxQuoteLength] + "…";
    }

    private void Message(string message)
    {
        if (message.StartsWith("Packaging release..", StringComparison.Ordinal))
        {
            _packaging = true;
        }

        if (BuildingRelease().Match(message) is { Success: true } building)
        {
            Building = (building.Groups["app"].Value, building.Groups["vsn"].Value);
        }

        if (ProgressMessages.Any(p => message.StartsWith(p, StringComparison.Ordinal)))
        {
            _inError = false;
            return;
        }

        // Distillery halts right after its error: only the last one counts.
        _error = [Prefix + message];
        _inError = true;
        ArchiveFault = _packaging && message.StartsWith("Failed to archive release:", StringComparison.Ordinal) ? message : null;
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"^Building release (?<app>[^:\s]+):(?<vsn>\S+) using environment ")]
    private static partial Regex BuildingRelease();
}
