using System.Globalization;

namespace Akd.Cli;

/// <summary><c>--ttl</c> values: a whole number with s, m, h or d (<c>90m</c>, <c>1h</c>, <c>30d</c>).</summary>
internal static class Ttl
{
    public static TimeSpan? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var unit = text[^1];
        if (!long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            throw new CliException($"--ttl '{text}' is not a duration such as 90m, 1h or 30d", ExitCodes.Usage);
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => throw new CliException($"--ttl '{text}' is not a duration such as 90m, 1h or 30d", ExitCodes.Usage),
        };
    }
}
