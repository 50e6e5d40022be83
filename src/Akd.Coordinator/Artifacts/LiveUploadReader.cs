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
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, available - position)), ct).ConfigureAwait(false);
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

    /// <summary>The temp file while it is written; once stored it was moved, and is found under its digest.</summary>
    private static FileStream Open(LiveUpload upload)
    {
        try
        {
            return new FileStream(upload.TempPath, new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, Options = FileOptions.Asynchronous,
            });
        }
        catch (FileNotFoundException) when (upload.Sha256 is { } sha256)
        {
            return new FileStream(upload.StoredPath(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (FileNotFoundException) when (upload.Failure is { } failure)
        {
            throw new InvalidDataException($"the upload failed: {failure}");
        }
    }
}
