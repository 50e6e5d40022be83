using Akd.Agent.Observability;
using Akd.Agent.Transport;
using Akd.Client.Artifacts;
using Akd.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Artifacts;

/// <summary>
/// The agent's side of artifact transfer (<see cref="ArtifactTransfer"/>) on its coordinator channel:
/// downloads land in the <see cref="ArtifactCache"/>, bytes moved are counted in the agent's metrics.
/// </summary>
public sealed class ArtifactClient(CoordinatorChannel channel, ArtifactCache cache, IOptions<AgentOptions> options, AgentMetrics? metrics = null)
{
    private readonly ArtifactTransfer _transfer = new(
        () => channel.Invoker,
        new ArtifactTransferOptions { Attempts = options.Value.ArtifactTransferAttempts, ChunkBytes = options.Value.ArtifactChunkBytes },
        metrics is null ? null : metrics.ArtifactBytes);

    /// <summary>Streams the file to the coordinator, hashing it as it goes; the digest follows the data.</summary>
    /// <param name="stepId">The build step whose release this is: the coordinator takes an agent's upload only for a build step it runs.</param>
    public Task<ArtifactRef> UploadAsync(string path, string kind, string stepId, CancellationToken ct) => _transfer.UploadAsync(path, kind, ct, stepId);

    /// <summary>Returns the path of a verified copy of the artifact in the agent's cache.</summary>
    public Task<string> DownloadAsync(ArtifactRef artifact, Action<string> log, CancellationToken ct) => _transfer.DownloadAsync(artifact, cache.Dir, log, ct);

    /// <summary>As <see cref="DownloadAsync"/>, with the bytes received for it (0 when cached).</summary>
    public Task<(string Path, long Received)> DownloadCountedAsync(ArtifactRef artifact, Action<string> log, CancellationToken ct) =>
        _transfer.DownloadCountedAsync(artifact, cache.Dir, log, ct);

    /// <summary>Cut-through: fetches an upload that is still arriving into the cache, verified against its stored digest.</summary>
    public Task<(ArtifactRef Artifact, long Received)> FollowAsync(string uploadId, CancellationToken ct) => _transfer.FollowAsync(uploadId, cache.Dir, ct);
}
