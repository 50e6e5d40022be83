using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Coordinator.Dashboard;

/// <summary>How values read in a table cell: a dash for nothing, UTC times, byte counts, CSS classes per state.</summary>
internal static class Cells
{
    public static string Dash(string? text) => string.IsNullOrWhiteSpace(text) ? "-" : text;

    public static string Time(Timestamp? at) =>
        at is null || (at.Seconds == 0 && at.Nanos == 0) ? "-" : at.ToDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string Clock(Timestamp? at) =>
        at is null ? "" : at.ToDateTimeOffset().UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A class for a state word: only letters and dashes reach the stylesheet.</summary>
    public static string StateClass(string? state) =>
        "state state-" + new string((state ?? "").Where(c => c is (>= 'a' and <= 'z') or '-').ToArray());

    /// <summary>Byte counts for people, as akdctl writes them: "0 B", "3.5 KiB", "64.0 MiB", "1.2 GiB".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.0} GiB"),
    };

    public static string Labels(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    public static string Query(params (string Name, string Value)[] pairs) =>
        string.Join("&", pairs.Where(p => p.Value.Length > 0).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
}
