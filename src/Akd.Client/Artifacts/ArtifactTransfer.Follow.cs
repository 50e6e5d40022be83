using System.Security.Cryptography;
using Akd.Contracts.V1;
using Grpc.Core;

namespace Akd.Client.Artifacts;

/// <summary>Cut-through: an upload read while it still arrives at the coordinator (Artifacts.Follow).</summary>
public sealed partial class ArtifactTransfer
{
    /// <summary>
    /// Fetches upload <paramref name="uploadId"/> into <paramref name="cacheDir"/> as it arrives, resuming after a
    /// dropped connection. The file is used (moved to <c>cacheDir/SHA256</c>) only when what arrived hashes to the
    /// digest the coordinator stored it under.
    /// </summary>
    /// <returns>The verified artifact and the bytes that came over the network for it.</returns>
    public async Task<(ArtifactRef Artifact, long Received)> FollowAsync(string uploadId, string cacheDir, CancellationToken ct)
    {
        if (uploadId.Length == 0 || !uploadId.All(char.IsAsciiLetterOrDigit))
        {
            throw new InvalidDataException($"'{uploadId}' is not an upload id");
        }

        Directory.CreateDirectory(cacheDir);
        var partial = Path.Combine(cacheDir, $"upload-{uploadId}.part");
        var (digest, stored, size, received) = (Array.Empty<byte>(), "", 0L, 0L);
        try
        {
            await _retry.ExecuteAsync(async token =>
            {
                await using var file = OpenPartial(partial);
                var offset = file.Length;
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                if (offset > 0)
                {
                    await HashPrefixAsync(file, offset, hash, token).ConfigureAwait(false);
                }

                file.Seek(offset, SeekOrigin.Begin);
                using var call = Client.Follow(new FollowRequest { UploadId = uploadId, Offset = offset }, cancellationToken: token);
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(token).ConfigureAwait(false))
                {
                    size = chunk.Size;
                    if (file.Position + chunk.Data.Length > size)
                    {
                        throw new InvalidDataException($"upload {uploadId} sent more than its {size} bytes");
                    }

                    hash.AppendData(chunk.Data.Span);
                    file.Write(chunk.Data.Span);
                    received += chunk.Data.Length;
                    bytesMoved?.Invoke("in", chunk.Data.Length);
                    stored = chunk.Sha256.Length > 0 ? chunk.Sha256 : stored;
                }

                digest = hash.GetHashAndReset();
            }, ct).ConfigureAwait(false);

            if (stored.Length == 0)
            {
                throw new InvalidDataException($"upload {uploadId} ended without its digest");
            }

            var artifact = new ArtifactRef { Sha256 = stored, Size = size };
            Verify(partial, artifact, Convert.ToHexStringLower(digest));
            File.Move(partial, Path.Combine(cacheDir, stored), overwrite: true);
            return (artifact, received);
        }
        catch (Exception ex) when (ex is InvalidDataException or RpcException { StatusCode: StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.PermissionDenied })
        {
            File.Delete(partial);
            throw;
        }
    }
}
