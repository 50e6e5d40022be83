using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Observability;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Artifacts;

/// <summary>Streams artifacts in and out in chunks; downloads resume from an offset.</summary>
public sealed partial class ArtifactsService(
    ArtifactStore store, ArtifactUploadStore uploads, AgentRegistry registry, IOptions<CoordinatorOptions> options, CoordinatorMetrics metrics, ILogger<ArtifactsService> logger,
    LiveUploads liveUploads)
    : Contracts.V1.Artifacts.ArtifactsBase
{
    public override async Task<ArtifactRef> Upload(IAsyncStreamReader<UploadRequest> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct).ConfigureAwait(false) || requestStream.Current.BodyCase != UploadRequest.BodyOneofCase.Header)
        {
            throw new InvalidRequestException("an upload must start with its header");
        }

        var header = requestStream.Current.Header;
        var step = BuildStepOf(Caller.Of(context), header.StepId);
        if (header.Size < 0)
        {
            throw new InvalidRequestException($"invalid artifact header: size {header.Size}");
        }

        if (header.Size > options.Value.MaxArtifactBytes)
        {
            LogUploadRefused("(digest not sent yet)", $"declared {header.Size} bytes, over Coordinator:MaxArtifactBytes");
            throw new LimitExceededException($"the artifact is {header.Size} bytes; this coordinator accepts at most {options.Value.MaxArtifactBytes} (Coordinator:MaxArtifactBytes)");
        }

        if (header.Size > store.FreeBytes())
        {
            throw new LimitExceededException($"the artifact is {header.Size} bytes and the coordinator's artifact store has {store.FreeBytes()} bytes free");
        }

        await using var upload = store.BeginUpload(header.Size);
        var live = BeginLive(upload, header.Size, context);
        var sha256 = "";
        try
        {
            while (await requestStream.MoveNext(ct).ConfigureAwait(false))
            {
                if (requestStream.Current.BodyCase == UploadRequest.BodyOneofCase.Sha256)
                {
                    sha256 = requestStream.Current.Sha256;
                    continue;
                }

                upload.Write(requestStream.Current.Data.Span);
                live?.Grew(upload.Written);
                metrics.ArtifactBytes("in", requestStream.Current.Data.Length);
            }

            if (!ArtifactStore.IsValidDigest(sha256))
            {
                throw new InvalidDataException(sha256.Length == 0 ? "the upload ended without its SHA-256" : $"'{sha256}' is not a SHA-256 digest");
            }

            await upload.CommitAsync(sha256, ct).ConfigureAwait(false);
            live?.Stored(sha256);
        }
        catch (InvalidDataException ex)
        {
            LogUploadRefused(sha256.Length == 0 ? "(digest not sent)" : sha256, ex.Message);
            throw new CorruptDataException(ex.Message);
        }
        finally
        {
            EndLive(live);
        }

        // Before the uploader gets its reference: a step that names it may run on any replica.
        await store.PublishAsync(sha256, ct).ConfigureAwait(false);
        LogUploaded(header.Kind, sha256, header.Size);
        // Provenance: the caller (never a value it sends), and for an agent the build step it uploaded in.
        await uploads.RecordAsync(sha256, header.Kind, Caller.Of(context).ToString(), step, ct).ConfigureAwait(false);
        return new ArtifactRef { Sha256 = sha256, Size = header.Size };
    }

    /// <summary>
    /// An agent uploads only the release of a build step it runs now, and the upload is bound to that step
    /// (the build's result is then checked against it). Operators (akdctl: sources, local builds) are bound to none.
    /// </summary>
    /// <returns>The build step's id; empty for an operator.</returns>
    private string BuildStepOf(Caller caller, string claimed)
    {
        if (caller.Kind != CallerKind.Agent)
        {
            return "";
        }

        // An agent of an older protocol names no step: its one running build step, if any.
        var step = claimed.Length > 0 ? (registry.RunsBuildStep(caller.Name, claimed) ? claimed : null) : registry.RunningBuildStep(caller.Name);
        if (step is null)
        {
            var why = claimed.Length > 0 ? $"build step {claimed} is not one it runs" : "it runs no build step";
            LogUploadRefused("(not sent)", $"agent {caller.Name}: {why}");
            throw new PermissionDeniedException($"agent {caller.Name} may not upload: {why} (an agent uploads only the release of the build step it is running)");
        }

        return step;
    }

    public override async Task Download(DownloadRequest request, IServerStreamWriter<DownloadChunk> responseStream, ServerCallContext context)
    {
        await AuthorizeReadAsync(request.Sha256, context).ConfigureAwait(false);
        var path = await ResolveExistingAsync(request.Sha256, context.CancellationToken).ConfigureAwait(false);
        // Read synchronously and unbuffered: asynchronous file reads on Linux are the same blocking read run on another
        // thread-pool thread, a hop per chunk that cost CPU for nothing (bench/, scenario 2).
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        if (request.Offset < 0 || request.Offset > file.Length)
        {
            throw new PositionOutOfRangeException($"offset {request.Offset} is outside the artifact's {file.Length} bytes");
        }

        if (request.Length < 0)
        {
            throw new InvalidRequestException($"invalid length {request.Length}");
        }

        file.Seek(request.Offset, SeekOrigin.Begin);
        var buffer = new byte[options.Value.ArtifactChunkBytes];
        var left = request.Length > 0 ? Math.Min(request.Length, file.Length - request.Offset) : file.Length - request.Offset;
        int read;
        var written = 0;
        while (left > 0 && (read = file.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, left)))) > 0)
        {
            left -= read;
            responseStream.WriteOptions = FlushOrBuffer(++written, left == 0);
            // Wrapped, not copied: the message is serialized into the response before WriteAsync returns, and only
            // then is the buffer read into again (a copy per chunk was a 64 KiB allocation and memcpy per chunk).
            await responseStream.WriteAsync(new DownloadChunk { Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, read)), Size = file.Length }, context.CancellationToken).ConfigureAwait(false);
            metrics.ArtifactBytes("out", read);
        }
    }

    /// <summary>
    /// Every <see cref="MessagesPerFlush"/>th message (and the last) is flushed; the others are only buffered. A flush per
    /// 64 KiB message cost a TLS record and a send of its own for each message's small last HTTP/2 frame, and a wake-up of
    /// Kestrel's output loop per message (bench/, scenario 2). Backpressure is unchanged: a flush waits for the client.
    /// </summary>
    internal static WriteOptions? FlushOrBuffer(int written, bool last) => last || written % MessagesPerFlush == 0 ? null : BufferOnly;

    internal const int MessagesPerFlush = 16;

    private static readonly WriteOptions BufferOnly = new(WriteFlags.BufferHint);

    public override async Task<ArtifactRef> Stat(ArtifactRef request, ServerCallContext context)
    {
        await AuthorizeReadAsync(request.Sha256, context).ConfigureAwait(false);
        var size = ArtifactStore.IsValidDigest(request.Sha256)
            ? await store.SizeOfAsync(request.Sha256, context.CancellationToken).ConfigureAwait(false)
            : throw new InvalidRequestException($"'{request.Sha256}' is not a SHA-256 digest");
        return new ArtifactRef { Sha256 = request.Sha256, Size = size ?? throw new NotFoundException($"no artifact with sha256 {request.Sha256}") };
    }

    /// <summary>
    /// Least privilege: an agent reads only what a step it runs now needs (its build's source, the release
    /// it activates, its source tree), or what it uploaded itself. Production hosts never see each
    /// other's artifacts, nor the source.
    /// </summary>
    internal async Task AuthorizeReadAsync(string sha256, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        if (caller.Kind != CallerKind.Agent || registry.StepNeeds(caller.Name, sha256) ||
            await uploads.UploadedByAsync(sha256, caller.ToString(), context.CancellationToken).ConfigureAwait(false))
        {
            return;
        }

        throw new PermissionDeniedException($"agent {caller.Name} runs no step that needs artifact {sha256}");
    }

    /// <summary>This replica's file of the artifact, fetched from the shared store if only another replica stored it.</summary>
    private async Task<string> ResolveExistingAsync(string sha256, CancellationToken ct)
    {
        if (!ArtifactStore.IsValidDigest(sha256))
        {
            throw new InvalidRequestException($"'{sha256}' is not a SHA-256 digest");
        }

        return await store.LocalPathAsync(sha256, ct).ConfigureAwait(false) ?? throw new NotFoundException($"no artifact with sha256 {sha256}");
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Stored {Kind} artifact {Sha256} ({Size} bytes)")]
    private partial void LogUploaded(string kind, string sha256, long size);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Refused upload of {Sha256}: {Reason}")]
    private partial void LogUploadRefused(string sha256, string reason);
}
