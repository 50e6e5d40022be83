using System.Security.Cryptography;
using Akd.Agent.Connection;
using Akd.Agent.Observability;
using Akd.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Akd.Agent.Artifacts;

/// <summary>
/// Moves artifacts between this agent and the coordinator. Downloads land in a content-addressed
/// cache, resume from the bytes already on disk after a dropped connection, and are used only
/// once their SHA-256 matches.
/// </summary>
public sealed class ArtifactClient(CoordinatorChannel channel, IOptions<AgentOptions> options, AgentMetrics? metrics = null)
{
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RpcException>(IsTransient).Handle<IOException>(),
            MaxRetryAttempts = Math.Max(0, options.Value.ArtifactTransferAttempts - 1),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(300),
        })
        .Build();

    private Contracts.V1.Artifacts.ArtifactsClient Client => new(channel.Invoker);

    private string CacheDir => Path.Combine(options.Value.DataDir, "cache", "artifacts");

    /// <summary>Streams the file to the coordinator, hashing it as it goes; the digest follows the data.</summary>
    public async Task<ArtifactRef> UploadAsync(string path, string kind, CancellationToken ct)
    {
        return await _retry.ExecuteAsync(async token =>
        {
            using var call = Client.Upload(cancellationToken: token);
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await call.RequestStream.WriteAsync(new UploadRequest { Header = new UploadHeader { Size = file.Length, Kind = kind } }, token).ConfigureAwait(false);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[options.Value.ArtifactChunkBytes];
            long sent = 0;
            int read;
            while ((read = await file.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await call.RequestStream.WriteAsync(new UploadRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, token).ConfigureAwait(false);
                sent += read;
                metrics?.ArtifactBytes("out", read);
            }

            if (sent != file.Length)
            {
                throw new IOException($"{path} changed size while it was uploaded");
            }

            await call.RequestStream.WriteAsync(new UploadRequest { Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()) }, token).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Returns the path of a verified local copy of the artifact.</summary>
    public async Task<string> DownloadAsync(ArtifactRef artifact, Action<string> log, CancellationToken ct)
    {
        if (artifact.Sha256.Length != 64 || !artifact.Sha256.All(Uri.IsHexDigit))
        {
            throw new InvalidDataException($"'{artifact.Sha256}' is not a SHA-256 digest");
        }

        Directory.CreateDirectory(CacheDir);
        var final = Path.Combine(CacheDir, artifact.Sha256);
        if (File.Exists(final) && new FileInfo(final).Length == artifact.Size)
        {
            log($"artifact {artifact.Sha256[..12]} already in the local cache");
            File.SetLastWriteTimeUtc(final, DateTime.UtcNow); // used: the cache sweep deletes the least recently used first
            return final;
        }

        var partial = final + ".part";
        var digest = Array.Empty<byte>();
        await _retry.ExecuteAsync(async token =>
        {
            await using var file = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
            var offset = file.Length > artifact.Size ? 0 : file.Length;
            file.SetLength(offset);

            // Hashed as it arrives, so the file is not read a second time to verify it; bytes kept from
            // an interrupted attempt are hashed first, so the digest still covers the whole file.
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            if (offset > 0)
            {
                log($"resuming download at byte {offset} of {artifact.Size}");
                await HashPrefixAsync(file, offset, hash, token).ConfigureAwait(false);
            }

            file.Seek(offset, SeekOrigin.Begin);
            using var call = Client.Download(new DownloadRequest { Sha256 = artifact.Sha256, Offset = offset }, cancellationToken: token);
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(token).ConfigureAwait(false))
            {
                hash.AppendData(chunk.Data.Span);
                await file.WriteAsync(chunk.Data.Memory, token).ConfigureAwait(false);
                metrics?.ArtifactBytes("in", chunk.Data.Length);
            }

            digest = hash.GetHashAndReset();
        }, ct).ConfigureAwait(false);

        Verify(partial, artifact, Convert.ToHexStringLower(digest));
        File.Move(partial, final, overwrite: true);
        return final;
    }

    private static async Task HashPrefixAsync(FileStream file, long length, IncrementalHash hash, CancellationToken ct)
    {
        file.Seek(0, SeekOrigin.Begin);
        var buffer = new byte[1 << 20];
        for (long done = 0; done < length;)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"the partial download ended at byte {done} of {length}");
            }

            hash.AppendData(buffer, 0, read);
            done += read;
        }
    }

    private static void Verify(string path, ArtifactRef artifact, string actual)
    {
        var size = new FileInfo(path).Length;
        if (size != artifact.Size)
        {
            File.Delete(path);
            throw new InvalidDataException($"downloaded {size} bytes, expected {artifact.Size}");
        }

        if (actual != artifact.Sha256)
        {
            File.Delete(path);
            throw new InvalidDataException($"the downloaded artifact's SHA-256 is {actual}, expected {artifact.Sha256}: it is corrupt and was discarded");
        }
    }

    private static bool IsTransient(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Aborted;
}
