namespace Akd.Core.Manifest;

/// <summary>Every label in the selector must be present on the agent with the same value.</summary>
public sealed class LabelSelector
{
    private readonly SortedDictionary<string, string> _labels;

    public LabelSelector(IEnumerable<KeyValuePair<string, string>> labels)
    {
        _labels = new SortedDictionary<string, string>(labels.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, string> Labels => _labels;

    /// <summary>Parses <c>role=web,env=production</c> (the form of <c>akdctl agents join-token --labels</c>).</summary>
    public static LabelSelector Parse(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                throw new FormatException($"label '{part}' is not of the form key=value");
            }

            pairs.Add(new(part[..eq].Trim(), part[(eq + 1)..].Trim()));
        }

        return new LabelSelector(pairs);
    }

    public bool Matches(IReadOnlyDictionary<string, string> agentLabels) =>
        _labels.All(l => agentLabels.TryGetValue(l.Key, out var v) && v == l.Value);

    public override string ToString() => string.Join(",", _labels.Select(l => $"{l.Key}={l.Value}"));
}
