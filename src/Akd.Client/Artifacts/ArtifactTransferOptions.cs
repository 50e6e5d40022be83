namespace Akd.Client.Artifacts;

/// <summary>Limits of one artifact transfer.</summary>
public sealed class ArtifactTransferOptions
{
    /// <summary>Attempts for one upload or download before it fails; downloads resume where they stopped.</summary>
    public int Attempts { get; init; } = 5;

    /// <summary>The first pause before another attempt; it doubles, with jitter, for each one after.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Size of one uploaded chunk. Kept under the 85,000-byte large-object threshold: bigger chunks land
    /// on the large object heap and a 512 MiB transfer then costs about 150 full GCs (bench/, scenario 2).
    /// </summary>
    public int ChunkBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// How much of the file an upload reads (and hashes) at a time, then sends as <see cref="ChunkBytes"/> messages:
    /// one buffer for the whole upload, so its size costs no garbage collections, and fewer, larger reads.
    /// </summary>
    public int ReadBytes { get; init; } = 1024 * 1024;
}
