using System.Globalization;

namespace Akd.IntegrationTests.Observability;

/// <summary>Reads samples out of a Prometheus text exposition, as a scraper would.</summary>
internal sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels)
    {
        var total = 0.0;
        foreach (var line in Text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            string labelText;
            if (rest.StartsWith('{'))
            {
                var close = rest.IndexOf('}');
                labelText = rest[1..close];
                rest = rest[(close + 1)..];
            }
            else if (rest.StartsWith(' '))
            {
                labelText = "";
            }
            else
            {
                continue; // another metric whose name starts with this one
            }

            if (labels.All(l => labelText.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                total += double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    public bool Has(string name) => Text.Split('\n').Any(l => !l.StartsWith('#') && l.StartsWith(name, StringComparison.Ordinal));
}
