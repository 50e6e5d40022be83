using System.Globalization;

namespace Akd.Cli;

/// <summary>Duration options (<c>--ttl</c>, <c>--timeout</c>): a whole number with s, m, h or d (<c>90m</c>, <c>1h</c>, <c>30d</c>).</summary>
internal static class Ttl
{
    /// <param name="text">The option's value; null or blank is no value.</param>
    /// <param name="option">The option's name, for the error.</param>
    public static TimeSpan? Parse(string? text, string option = "--ttl")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var unit = text[^1];
        if (!long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            throw NotADuration(text, option);
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => throw NotADuration(text, option),
        };
    }

    private static CliException NotADuration(string text, string option) =>
        new($"{option} '{text}' is not a duration such as 90m, 1h or 30d", ExitCodes.Usage);
}
