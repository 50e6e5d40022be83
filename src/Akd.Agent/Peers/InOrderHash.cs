using System.Buffers;
using System.Security.Cryptography;
using Akd.Contracts.V1;
using Microsoft.Win32.SafeHandles;

namespace Akd.Agent.Peers;

/// <summary>
/// The whole file's SHA-256 of a swarm download, computed while it runs: pieces arrive in any order, and each time
/// the run of verified pieces from the start grows, the new ones are hashed (read back while still in the page
/// cache), so the check at the end hashes only what arrived last instead of reading the whole file again.
/// </summary>
internal sealed class InOrderHash(SafeFileHandle file, PieceManifest manifest) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _next;

    /// <summary>Pieces hashed so far: all those before it.</summary>
    public int Next => _next;

    public async Task AdvanceAsync(IReadOnlyList<bool> have, CancellationToken ct)
    {
        if (_next >= have.Count || !have[_next])
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(manifest.PieceBytes);
        try
        {
            while (_next < have.Count && have[_next])
            {
                var offset = (long)_next * manifest.PieceBytes;
                var length = (int)Math.Min(manifest.PieceBytes, manifest.Size - offset);
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, length), offset, ct).ConfigureAwait(false);
                if (read != length)
                {
                    throw new IOException($"the partial download ended inside piece {_next}");
                }

                _hash.AppendData(buffer, 0, length);
                _next++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Throws unless every piece was hashed and the digest is the artifact's.</summary>
    public void Verify(ArtifactRef artifact)
    {
        var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (_next != manifest.PieceSha256.Count || manifest.Size != artifact.Size || actual != artifact.Sha256)
        {
            throw new InvalidDataException($"the assembled artifact's SHA-256 is {actual}, expected {artifact.Sha256}: discarded");
        }
    }

    public void Dispose() => _hash.Dispose();
}
