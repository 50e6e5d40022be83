using System.Formats.Tar;
using System.IO.Compression;

namespace Akd.Core.Archives;

/// <summary>
/// Unpacks a tar.gz received from the network without letting any entry escape the destination.
/// </summary>
/// <remarks>
/// A stream cannot be validated as a whole before writing, so each entry is checked against the
/// tree as it stands when the entry is written, and links are checked again once all entries are
/// out. When this throws, part of the archive may already be on disk: the caller must delete the
/// destination (extract into a fresh directory, e.g. <c>releases/&lt;id&gt;</c>, never an existing one).
/// Ownership is not restored, and set-id and sticky bits are dropped so an archive cannot grant
/// privileges; mtimes of symlinks are not restored.
/// </remarks>
public static class SafeExtractor
{
    private static readonly byte[] GzipMagic = [0x1f, 0x8b];

    /// <param name="limits">Defaults to <see cref="ExtractionLimits.ForArchive"/> of the stream's length (seekable streams) or of nothing.</param>
    /// <exception cref="UnsafeArchiveException">An entry escapes the destination, is a device/FIFO, or the archive unpacks past <paramref name="limits"/>.</exception>
    /// <exception cref="InvalidDataException">The input is not a tar.gz archive, or it is corrupt.</exception>
    public static async Task ExtractAsync(Stream tarGz, string destination, CancellationToken ct, ExtractionLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(tarGz);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("archives keep Unix modes and links; Windows is not supported");
        }

        var prefix = new byte[GzipMagic.Length];
        var read = await tarGz.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (read < prefix.Length || !prefix.AsSpan().SequenceEqual(GzipMagic))
        {
            throw new InvalidDataException("not a tar.gz archive: the input does not start with a gzip header");
        }

        var root = new ExtractionRoot(destination);
        var writer = new EntryWriter(root, limits ?? ExtractionLimits.ForArchive(tarGz.CanSeek ? tarGz.Length : 0));
        var gzip = new GZipStream(new PrefixedStream(prefix, tarGz), CompressionMode.Decompress, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var reader = new TarReader(gzip, leaveOpen: true);
            await using (reader.ConfigureAwait(false))
            {
                while (await NextEntryAsync(reader, ct).ConfigureAwait(false) is { } entry)
                {
                    ct.ThrowIfCancellationRequested();
                    await writer.WriteAsync(entry, ct).ConfigureAwait(false);
                }
            }
        }

        writer.Finish();
    }

    private static async Task<TarEntry?> NextEntryAsync(TarReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"not a tar.gz archive, or it is corrupt: {e.Message}", e);
        }
    }
}
