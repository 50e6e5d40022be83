using System.Collections.Concurrent;

namespace Akd.Agent.Peers;

/// <summary>
/// What this agent can serve to peers: the verified pieces of downloads in progress, and whole artifacts in
/// its cache (<c>cache/artifacts/SHA256</c>, verified before they were put there).
/// </summary>
public sealed class PeerPieces(Artifacts.ArtifactCache cache)
{
    private readonly ConcurrentDictionary<string, Download> _downloads = new(StringComparer.Ordinal);

    private sealed record Download(string Path, int PieceBytes, long Size, bool[] Verified);

    public void Started(string sha256, string path, int pieceBytes, long size, int pieces) =>
        _downloads[sha256] = new Download(path, pieceBytes, size, new bool[pieces]);

    public void Verified(string sha256, int piece)
    {
        if (_downloads.TryGetValue(sha256, out var download))
        {
            Volatile.Write(ref download.Verified[piece], true);
        }
    }

    /// <summary>The download ended (moved into the cache, or given up): its pieces are served from the cache, if at all.</summary>
    public void Ended(string sha256) => _downloads.TryRemove(sha256, out _);

    /// <summary>The file, offset and length of a piece this agent holds verified, or null.</summary>
    public (string Path, long Offset, int Length)? Find(string sha256, int piece, int pieceBytes)
    {
        if (!Akd.Contracts.V1.PieceBits.IsDigest(sha256) || piece < 0 || pieceBytes is <= 0 or > Akd.Contracts.V1.PieceBits.MaxPieceBytes)
        {
            return null;
        }

        // The whole file first: a download that just ended has moved its file here.
        var cached = new FileInfo(Path.Combine(cache.Dir, sha256));
        var offset = (long)piece * pieceBytes;
        if (cached.Exists && offset < cached.Length)
        {
            return (cached.FullName, offset, (int)Math.Min(pieceBytes, cached.Length - offset));
        }

        if (_downloads.TryGetValue(sha256, out var download))
        {
            return piece < download.Verified.Length && pieceBytes == download.PieceBytes && Volatile.Read(ref download.Verified[piece])
                ? (download.Path, (long)piece * pieceBytes, (int)Math.Min(pieceBytes, download.Size - (long)piece * pieceBytes))
                : null;
        }

        return null;
    }
}
