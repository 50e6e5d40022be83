namespace Akd.Core.Archives;

/// <summary>
/// How much one archive may unpack to. A gzip stream compresses zeros about 1000:1, so a small
/// upload could otherwise fill a build or target host's disk ("decompression bomb"). Sizes come
/// from the tar headers, so an entry over the budget is refused before a byte of it is written.
/// </summary>
/// <param name="MaxBytes">Total bytes of file content the archive may unpack to.</param>
/// <param name="MaxEntries">Entries (files, directories, links) the archive may hold.</param>
public sealed record ExtractionLimits(long MaxBytes, int MaxEntries)
{
    /// <summary>Releases compress 2–4:1 and sources 4–6:1; 8 leaves room without allowing a bomb.</summary>
    public const int DefaultRatio = 8;

    /// <summary>A floor so that tiny, highly compressible archives (a few text files) are never refused.</summary>
    public const long MinimumBytes = 64L * 1024 * 1024;

    /// <summary>A release with ERTS holds a few thousand entries; Phoenix sources with assets a few tens of thousands.</summary>
    public const int DefaultMaxEntries = 200_000;

    /// <summary>The limits for an archive of <paramref name="archiveBytes"/> compressed bytes.</summary>
    public static ExtractionLimits ForArchive(long archiveBytes, int ratio = DefaultRatio, int maxEntries = DefaultMaxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(archiveBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(ratio, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        var scaled = archiveBytes > long.MaxValue / ratio ? long.MaxValue : archiveBytes * ratio;
        return new ExtractionLimits(Math.Max(scaled, MinimumBytes), maxEntries);
    }
}
