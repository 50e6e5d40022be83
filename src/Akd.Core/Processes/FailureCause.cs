using System.Text.RegularExpressions;

namespace Akd.Core.Processes;

/// <summary>
/// Watches a command's output so that, when it fails, the step error can quote why in one line
/// (Mix's <c>** (Mix) Unknown release :x. The available releases are: [:hello]</c>) instead of
/// leaving the cause in the streamed log only. Keeps the last few lines, not the whole output.
/// </summary>
public sealed partial class FailureCause
{
    private const int Kept = 40;

    /// <summary>Longer causes are cut here: the whole output is in the log.</summary>
    private const int MaxLength = 400;

    private readonly Queue<OutputLine> _tail = new();

    /// <summary>Passes every line on to <paramref name="sink"/> and keeps the last ones.</summary>
    public Action<OutputLine> Watch(Action<OutputLine> sink) => line =>
    {
        lock (_tail)
        {
            _tail.Enqueue(line with { Text = Ansi().Replace(line.Text, "").Trim() });
            if (_tail.Count > Kept)
            {
                _tail.Dequeue();
            }
        }

        sink(line);
    };

    /// <summary>
    /// The likeliest cause: the last Elixir error banner (<c>** (...)</c>), else the last line on
    /// stderr, else the last line; null when the command printed nothing.
    /// </summary>
    public string? Describe()
    {
        List<OutputLine> lines;
        lock (_tail)
        {
            lines = [.. _tail.Where(l => l.Text.Length > 0)];
        }

        var cause = lines.LastOrDefault(l => l.Text.StartsWith("** (", StringComparison.Ordinal)).Text
            ?? lines.LastOrDefault(l => l.Stream == OutputLine.StdErr).Text
            ?? lines.LastOrDefault().Text;
        return cause is null ? null : cause.Length <= MaxLength ? cause : cause[..MaxLength] + "...";
    }

    /// <summary><paramref name="message"/>, followed by the cause when there is one.</summary>
    public string Append(string message) => Describe() is { } cause ? $"{message}: {cause}" : message;

    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]", RegexOptions.CultureInvariant)]
    private static partial Regex Ansi();
}
