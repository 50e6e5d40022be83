using Akd.Core.Manifest;
using System.Globalization;
using System.Text.RegularExpressions;
using Akd.Manifest.Schema;

namespace Akd.Manifest;

/// <summary>Durations as the manifest writes them: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, or bare seconds.</summary>
internal static partial class DurationParser
{
    public const string Expected = "a duration such as 500ms, 30s, 2m, 1h or a whole number of seconds";

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || !long.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        var unit = match.Groups["unit"].Value;
        var milliseconds = unit switch
        {
            "ms" => (decimal)n,
            "m" => n * 60_000m,
            "h" => n * 3_600_000m,
            _ => n * 1_000m,
        };

        if (milliseconds > (decimal)TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)(milliseconds * TimeSpan.TicksPerMillisecond));
        return true;
    }

    [GeneratedRegex(ManifestModel.DurationPattern, RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
