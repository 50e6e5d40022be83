namespace Akd.Cli.Commands;

/// <summary><c>role=web,env=production</c> or <c>role=web env=production</c> into a map.</summary>
internal static class LabelPairs
{
    public static Dictionary<string, string> Parse(IEnumerable<string> items)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0 || eq == pair.Length - 1)
            {
                throw new CliException($"label '{pair}' must look like key=value", ExitCodes.Usage);
            }

            labels[pair[..eq]] = pair[(eq + 1)..];
        }

        return labels;
    }
}
