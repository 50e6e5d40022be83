using Akd.Contracts.V1;

namespace Akd.Agent.Artifacts;

/// <summary>
/// Gets a release onto a target for its activation: from the cache, where a prefetch during the build may have
/// put it (cut-through), or else downloaded from the coordinator; says where its bytes came from.
/// </summary>
public sealed class ReleaseFetch(ArtifactClient artifacts, ArtifactPrefetcher prefetcher)
{
    public async Task<(string Path, TransferStats Transfer)> FetchAsync(ArtifactRef artifact, Action<string> log, CancellationToken ct)
    {
        var prefetched = await prefetcher.SettleAsync(artifact, ct).ConfigureAwait(false);
        if (prefetched is { } bytes)
        {
            log($"artifact {artifact.Sha256[..12]} was fetched while the build uploaded it");
        }

        var (path, received) = await artifacts.DownloadCountedAsync(artifact, log, ct).ConfigureAwait(false);
        return (path, new TransferStats { BytesFromCoordinator = received + (prefetched ?? 0) });
    }
}
