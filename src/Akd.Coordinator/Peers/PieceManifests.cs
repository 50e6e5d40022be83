using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akd.Contracts.V1;
using Akd.Coordinator.Artifacts;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Peers;

/// <summary>
/// The piece manifest of a stored artifact (<see cref="CoordinatorOptions.PieceBytes"/>-sized pieces, a SHA-256
/// each), computed from the coordinator's own verified copy on first use and kept in memory: artifacts are
/// immutable under their digest.
/// </summary>
public sealed class PieceManifests(ArtifactStore store, IOptions<CoordinatorOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<PieceManifest>>> _manifests = new(StringComparer.Ordinal);

    public Task<PieceManifest> ForAsync(string sha256, CancellationToken ct) =>
        _manifests.GetOrAdd(sha256, sha => new Lazy<Task<PieceManifest>>(() => ComputeAsync(store.PathFor(sha), options.Value.PieceBytes, CancellationToken.None))).Value.WaitAsync(ct);

    public static async Task<PieceManifest> ComputeAsync(string path, int pieceBytes, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var manifest = new PieceManifest { Size = file.Length, PieceBytes = pieceBytes };
        var buffer = new byte[pieceBytes];
        while (true)
        {
            var read = await file.ReadAtLeastAsync(buffer, pieceBytes, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            manifest.PieceSha256.Add(ByteString.CopyFrom(SHA256.HashData(buffer.AsSpan(0, read))));
            if (read < pieceBytes)
            {
                break;
            }
        }

        return manifest;
    }
}
