using Akd.Agent.Artifacts;
using Akd.Agent.Peers;
using Akd.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Delivery;

/// <summary>
/// Gets a release onto a target for its activation: from the cache, where a prefetch during the build may have
/// put it (cut-through), from peers and the coordinator (peer-to-peer, with a peer port), or else downloaded from
/// the coordinator; says where its bytes came from. Above both halves of delivery: the coordinator's (Artifacts/)
/// and the swarm's (Peers/, which keeps its pieces in the artifact cache).
/// </summary>
public sealed class ReleaseFetch(ArtifactClient artifacts, ArtifactPrefetcher prefetcher, SwarmDownload swarm, IOptions<AgentOptions> options)
{
    public async Task<(string Path, TransferStats Transfer)> FetchAsync(ArtifactRef artifact, Action<string> log, CancellationToken ct)
    {
        if (options.Value.PeerPort > 0)
        {
            try
            {
                return await swarm.DownloadAsync(artifact, log, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is RpcException or IOException or InvalidDataException)
            {
                log($"peer-to-peer download failed ({ex.Message}): downloading from the coordinator");
            }
        }

        var prefetched = await prefetcher.SettleAsync(artifact, ct).ConfigureAwait(false);
        if (prefetched is { } bytes)
        {
            log($"artifact {artifact.Sha256[..12]} was fetched while the build uploaded it");
        }

        var (path, received) = await artifacts.DownloadCountedAsync(artifact, log, ct).ConfigureAwait(false);
        // A peer-to-peer attempt's partial has nothing left to resume: the whole file is here.
        SwarmPartial.Delete(Path.GetDirectoryName(path)!, artifact.Sha256);
        return (path, new TransferStats { BytesFromCoordinator = received + (prefetched ?? 0) });
    }
}
