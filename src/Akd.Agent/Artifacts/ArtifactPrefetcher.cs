using System.Collections.Concurrent;
using Akd.Contracts.V1;

namespace Akd.Agent.Artifacts;

/// <summary>
/// Cut-through on a target: when the coordinator announces a release its build is uploading
/// (<see cref="ArtifactPrefetch"/>), the agent fetches it into its cache while it arrives, so the activation that
/// follows finds it there. A prefetch that fails is only logged: the activation downloads as before.
/// An agent with a peer port does not prefetch: its release comes from peers, so the coordinator sends it about once.
/// </summary>
public sealed partial class ArtifactPrefetcher(
    ArtifactClient artifacts, IHostApplicationLifetime lifetime, Microsoft.Extensions.Options.IOptions<AgentOptions> options, ILogger<ArtifactPrefetcher> logger)
{
    private readonly ConcurrentDictionary<string, (long Size, Task<(ArtifactRef Artifact, long Received)?> Fetch)> _running = new(StringComparer.Ordinal);

    /// <summary>Starts fetching the announced upload in the background; an upload already being fetched is left alone.</summary>
    public void Start(ArtifactPrefetch prefetch)
    {
        if (options.Value.PeerPort > 0 || !options.Value.Prefetch)
        {
            return;
        }

        _running.GetOrAdd(prefetch.UploadId, id => (prefetch.Size, Task.Run(() => FetchAsync(id, prefetch.DeploymentId, lifetime.ApplicationStopping))));
    }

    /// <summary>
    /// Waits for the prefetches that may bring <paramref name="artifact"/> (those of its size) and returns the bytes
    /// the one that brought it received, or null when none did.
    /// </summary>
    public async Task<long?> SettleAsync(ArtifactRef artifact, CancellationToken ct)
    {
        long? received = null;
        foreach (var (id, (size, fetch)) in _running)
        {
            if (size != artifact.Size)
            {
                continue;
            }

            var done = await fetch.WaitAsync(ct).ConfigureAwait(false);
            if (done is { } d && d.Artifact.Sha256 == artifact.Sha256)
            {
                // Counted once: a second activation of the same release finds it cached.
                received = _running.TryRemove(id, out _) ? d.Received : 0;
            }
            else if (fetch.IsCompleted)
            {
                _running.TryRemove(id, out _);
            }
        }

        return received;
    }

    private async Task<(ArtifactRef, long)?> FetchAsync(string uploadId, string deploymentId, CancellationToken ct)
    {
        try
        {
            LogStarted(uploadId, deploymentId);
            var (artifact, received) = await artifacts.FollowAsync(uploadId, ct).ConfigureAwait(false);
            LogFetched(uploadId, artifact.Sha256, received);
            return (artifact, received);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(uploadId, ex.Message);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 142, Level = LogLevel.Information, Message = "Prefetching upload {UploadId} of deployment {DeploymentId} while it arrives")]
    private partial void LogStarted(string uploadId, string deploymentId);

    [LoggerMessage(EventId = 143, Level = LogLevel.Information, Message = "Prefetched upload {UploadId}: artifact {Sha256}, {Bytes} bytes received")]
    private partial void LogFetched(string uploadId, string sha256, long bytes);

    [LoggerMessage(EventId = 144, Level = LogLevel.Warning, Message = "Prefetch of upload {UploadId} failed ({Reason}): the activation downloads the release itself")]
    private partial void LogFailed(string uploadId, string reason);
}
