using System.Globalization;

namespace Akd.Cli.Output;

/// <summary>Byte counts for people: "0 B", "512 B", "3.5 KiB", "64.0 MiB", "1.2 GiB".</summary>
internal static class ByteSize
{
    public static string Text(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.0} GiB"),
    };
}
