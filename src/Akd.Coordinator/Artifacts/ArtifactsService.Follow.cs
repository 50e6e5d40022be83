using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Google.Protobuf;
using Grpc.Core;

namespace Akd.Coordinator.Artifacts;

/// <summary>Cut-through: a build's targets read its release while the build agent still uploads it.</summary>
public sealed partial class ArtifactsService
{
    public override async Task Follow(FollowRequest request, IServerStreamWriter<FollowChunk> responseStream, ServerCallContext context)
    {
        var upload = liveUploads.Find(request.UploadId) ?? throw new NotFoundException($"no upload {request.UploadId} in progress or recently ended");
        var caller = Caller.Of(context);
        if (caller.Kind == CallerKind.Agent && !upload.Readers.Contains(caller.Name))
        {
            throw new PermissionDeniedException($"agent {caller.Name} is no target of deployment {upload.DeploymentId}, whose build uploads {request.UploadId}");
        }

        if (request.Offset < 0 || request.Offset > upload.Size)
        {
            throw new PositionOutOfRangeException($"offset {request.Offset} is outside the upload's {upload.Size} bytes");
        }

        var (position, written) = (request.Offset, 0);
        try
        {
            await LiveUploadReader.ReadAsync(upload, request.Offset, options.Value.ArtifactChunkBytes, async (data, sha256) =>
            {
                position += data.Length;
                // Flushed also when it caught up with the upload: the reader may wait for more next, and what it sent must not wait with it.
                responseStream.WriteOptions = FlushOrBuffer(++written, last: sha256 is not null || position >= upload.Available);
                // Wrapped, not copied: serialized before WriteAsync returns, and the reader reuses the buffer only after that.
                await responseStream.WriteAsync(new FollowChunk { Data = UnsafeByteOperations.UnsafeWrap(data), Size = upload.Size, Sha256 = sha256 ?? "" }, context.CancellationToken).ConfigureAwait(false);
                metrics.ArtifactBytes("out", data.Length);
            }, context.CancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new PreconditionFailedException(ex.Message);
        }
    }

    /// <summary>An agent's upload during a build whose targets are known: announced to them, so they fetch it as it arrives.</summary>
    private LiveUpload? BeginLive(ArtifactStore.PendingUpload upload, long size, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        if (caller.Kind != CallerKind.Agent || liveUploads.Begin(caller.Name, size, upload.TempPath, store.PathFor) is not { } live)
        {
            return null;
        }

        var prefetch = new CoordinatorMessage { Prefetch = new ArtifactPrefetch { UploadId = live.Id, DeploymentId = live.DeploymentId, Size = size } };
        foreach (var target in registry.Online.Where(a => live.Readers.Contains(a.Name)))
        {
            target.Send(prefetch);
        }

        LogLiveUpload(live.Id, live.DeploymentId, live.Readers.Count);
        return live;
    }

    private void EndLive(LiveUpload? live)
    {
        if (live is null)
        {
            return;
        }

        live.Failed("the upload ended before it was stored");
        liveUploads.Ended(live);
    }

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Upload {UploadId} of deployment {DeploymentId} announced to {Targets} target(s) for cut-through")]
    private partial void LogLiveUpload(string uploadId, string deploymentId, int targets);
}
