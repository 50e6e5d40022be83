using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Akd.Contracts.V1;
using Microsoft.Win32.SafeHandles;

namespace Akd.Agent.Peers;

/// <summary>
/// What an unfinished swarm download keeps in the cache so that it resumes after an agent restart: the partial file
/// (<c>SHA256.swarm.part</c>) and a record of the pieces verified into it (<c>SHA256.swarm-pieces.part</c>: the piece
/// size, the artifact size and the piece bitfield, replaced by a rename, so it is whole or absent). On reopening, each
/// recorded piece is checked against the manifest again; one that does not match discards the whole partial, since
/// nothing in it can then be trusted. Both names end in <c>.part</c>, so the cache sweep removes abandoned ones.
/// </summary>
internal sealed class SwarmPartial : IDisposable
{
    private const int HeaderBytes = 12;
    private readonly string _record;

    private SwarmPartial(SafeFileHandle file, string data, string record, bool[] have, int kept, bool discarded)
    {
        File = file;
        DataPath = data;
        _record = record;
        Have = have;
        Kept = kept;
        Discarded = discarded;
    }

    public SafeFileHandle File { get; }

    public string DataPath { get; }

    /// <summary>The pieces held, verified: those kept from before, then those <see cref="Record"/> adds.</summary>
    public bool[] Have { get; }

    /// <summary>Pieces kept from an interrupted download.</summary>
    public int Kept { get; }

    /// <summary>An earlier partial was there but could not be used (corrupt, or for another piece size), and was discarded.</summary>
    public bool Discarded { get; }

    public static string DataPathOf(string cacheDir, string sha256) => Path.Combine(cacheDir, sha256 + ".swarm.part");

    public static string RecordPathOf(string cacheDir, string sha256) => Path.Combine(cacheDir, sha256 + ".swarm-pieces.part");

    private static string NewRecordPathOf(string record) => record[..^".part".Length] + ".new.part";

    /// <summary>Opens the partial of <paramref name="sha256"/> for <paramref name="manifest"/>, keeping its verified pieces, or starts a new one.</summary>
    public static async Task<SwarmPartial> OpenAsync(string cacheDir, string sha256, PieceManifest manifest, CancellationToken ct)
    {
        Directory.CreateDirectory(cacheDir);
        var data = DataPathOf(cacheDir, sha256);
        var record = RecordPathOf(cacheDir, sha256);
        var count = manifest.PieceSha256.Count;
        var existed = System.IO.File.Exists(data) || System.IO.File.Exists(record);
        var recorded = ReadRecord(record, manifest);
        if (recorded is not null && System.IO.File.Exists(data) && new FileInfo(data).Length == manifest.Size)
        {
            var file = System.IO.File.OpenHandle(data, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            try
            {
                var have = new bool[count];
                if (await VerifyAsync(file, manifest, recorded, have, ct).ConfigureAwait(false))
                {
                    return new SwarmPartial(file, data, record, have, have.Count(h => h), discarded: false);
                }
            }
            catch
            {
                file.Dispose();
                throw;
            }

            file.Dispose();
        }

        Delete(cacheDir, sha256);
        var fresh = System.IO.File.OpenHandle(data, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        RandomAccess.SetLength(fresh, manifest.Size);
        return new SwarmPartial(fresh, data, record, new bool[count], 0, discarded: existed);
    }

    /// <summary>Removes a partial and its record (the download finished, or its file is known bad).</summary>
    public static void Delete(string cacheDir, string sha256)
    {
        System.IO.File.Delete(DataPathOf(cacheDir, sha256));
        System.IO.File.Delete(RecordPathOf(cacheDir, sha256));
        System.IO.File.Delete(NewRecordPathOf(RecordPathOf(cacheDir, sha256)));
    }

    /// <summary>Piece <paramref name="piece"/> is written and verified: it joins the record (a new record file, renamed over the old).</summary>
    public void Record(int piece, int pieceBytes, long size)
    {
        Have[piece] = true;
        var bits = PieceBits.Of(Enumerable.Range(0, Have.Length).Where(i => Have[i]), Have.Length);
        var bytes = new byte[HeaderBytes + bits.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, pieceBytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(4), size);
        bits.CopyTo(bytes, HeaderBytes);
        var next = NewRecordPathOf(_record);
        System.IO.File.WriteAllBytes(next, bytes);
        System.IO.File.Move(next, _record, overwrite: true);
    }

    public void Dispose() => File.Dispose();

    /// <summary>The recorded bitfield when the record is whole and for this manifest's piece size and artifact size, else null.</summary>
    private static byte[]? ReadRecord(string path, PieceManifest manifest)
    {
        byte[] bytes;
        try
        {
            bytes = System.IO.File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return null;
        }

        var expected = HeaderBytes + (manifest.PieceSha256.Count + 7) / 8;
        return bytes.Length == expected && BinaryPrimitives.ReadInt32BigEndian(bytes) == manifest.PieceBytes
            && BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4)) == manifest.Size
            ? bytes[HeaderBytes..]
            : null;
    }

    /// <returns>False when a recorded piece does not match the manifest.</returns>
    private static async Task<bool> VerifyAsync(SafeFileHandle file, PieceManifest manifest, byte[] recorded, bool[] have, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(manifest.PieceBytes);
        try
        {
            for (var piece = 0; piece < have.Length; piece++)
            {
                if (!PieceBits.Has(recorded, piece))
                {
                    continue;
                }

                var offset = (long)piece * manifest.PieceBytes;
                var length = (int)Math.Min(manifest.PieceBytes, manifest.Size - offset);
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, length), offset, ct).ConfigureAwait(false);
                if (read != length || !SHA256.HashData(buffer.AsSpan(0, length)).AsSpan().SequenceEqual(manifest.PieceSha256[piece].Span))
                {
                    return false;
                }

                have[piece] = true;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
