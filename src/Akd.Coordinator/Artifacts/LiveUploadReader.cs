namespace Akd.Coordinator.Artifacts;

/// <summary>
/// Reads a <see cref="LiveUpload"/> from an offset as it grows: every written byte once, then, when the upload
/// is stored, its digest. A failed upload ends the read with <see cref="InvalidDataException"/>.
/// </summary>
public static class LiveUploadReader
{
    /// <param name="write">Called with each chunk; the last call has no data and the stored digest.</param>
    public static async Task ReadAsync(LiveUpload upload, long offset, int chunkBytes, Func<ReadOnlyMemory<byte>, string?, Task> write, CancellationToken ct)
    {
        if (offset < 0 || offset > upload.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"offset {offset} is outside the upload's {upload.Size} bytes");
        }

        await using var file = Open(upload);
        file.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[chunkBytes];
        var position = offset;
        while (true)
        {
            // Read before looking at the state: what was available when the upload ended is all there is.
            var available = upload.Available;
            var sha256 = upload.Sha256;
            var failure = upload.Failure;
            while (position < available)
            {
                var read = file.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, available - position)));
                if (read == 0)
                {
                    throw new IOException($"the upload's file ended at byte {position} of the {available} written");
                }

                await write(buffer.AsMemory(0, read), null).ConfigureAwait(false);
                position += read;
            }

            if (failure is not null)
            {
                throw new InvalidDataException($"the upload failed: {failure}");
            }

            if (sha256 is not null)
            {
                await write(ReadOnlyMemory<byte>.Empty, sha256).ConfigureAwait(false);
                return;
            }

            await upload.ChangedAsync(available, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The temp file while it is written; once stored it was moved, and is found under its digest. Read synchronously and
    /// unbuffered: asynchronous file reads on Linux are the same blocking read run on another thread-pool thread.
    /// </summary>
    private static FileStream Open(LiveUpload upload)
    {
        try
        {
            return new FileStream(upload.TempPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (FileNotFoundException) when (upload.Sha256 is { } sha256)
        {
            return new FileStream(upload.StoredPath(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (FileNotFoundException) when (upload.Failure is { } failure)
        {
            throw new InvalidDataException($"the upload failed: {failure}");
        }
    }
}
