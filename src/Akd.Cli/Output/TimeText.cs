using Google.Protobuf.WellKnownTypes;

namespace Akd.Cli.Output;

internal static class TimeText
{
    public static string At(Timestamp? at) => at is null ? "-" : at.ToDateTime().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");

    public static string Ago(Timestamp? at)
    {
        if (at is null)
        {
            return "never";
        }

        var span = DateTime.UtcNow - at.ToDateTime();
        return span.TotalSeconds < 60 ? $"{Math.Max(0, (int)span.TotalSeconds)}s ago"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes}m ago"
            : span.TotalHours < 48 ? $"{(int)span.TotalHours}h ago"
            : At(at);
    }
}
