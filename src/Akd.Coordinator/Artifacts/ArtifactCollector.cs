using Akd.Coordinator.Storage;
using Akd.Core.Timing;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Artifacts;

/// <summary>
/// Keeps the artifact store from growing without end: at start-up and then every
/// <see cref="CoordinatorOptions.ArtifactCollectionInterval"/>, deletes artifacts that no running
/// deployment and none of the newest <see cref="CoordinatorOptions.KeepArtifactsPerApp"/> deploys of
/// their app use, and partial uploads abandoned for <see cref="CoordinatorOptions.PartialUploadMaxAge"/>.
/// Hosts keep their own releases, so rollbacks never need the store.
/// </summary>
public sealed partial class ArtifactCollector(
    ArtifactStore store, DeploymentStore deployments, IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<ArtifactCollector> logger)
    : BackgroundService
{
    /// <summary>One sweep.</summary>
    /// <returns>How many artifacts were deleted, and their bytes.</returns>
    public async Task<(int Count, long Bytes)> CollectAsync(CancellationToken ct)
    {
        var o = options.Value;
        // Listed before the query: an artifact stored after it is younger than the grace anyway.
        var stored = store.List().ToList();
        var inUse = await deployments.ArtifactsInUseAsync(o.KeepArtifactsPerApp, ct).ConfigureAwait(false);
        var cutoff = clock.GetUtcNow() - o.ArtifactGrace;
        var (count, bytes) = (0, 0L);
        foreach (var (sha256, size, storedAt) in stored)
        {
            if (inUse.Contains(sha256) || storedAt > cutoff)
            {
                continue;
            }

            try
            {
                store.Delete(sha256);
                count++;
                bytes += size;
            }
            catch (IOException ex)
            {
                LogDeleteFailed(ex, sha256);
            }
        }

        if (count > 0)
        {
            LogCollected(count, bytes);
        }

        await SweepSharedAsync(inUse, cutoff, ct).ConfigureAwait(false);
        SweepPartialUploads(clock.GetUtcNow() - o.PartialUploadMaxAge);
        return (count, bytes);
    }

    /// <summary>
    /// Replicas on PostgreSQL: the same rule for the database's copies, which every replica serves from (each replica
    /// sweeps; a second delete finds nothing). Listed after the in-use query: what was stored since is within the grace.
    /// </summary>
    private async Task SweepSharedAsync(HashSet<string> inUse, DateTimeOffset cutoff, CancellationToken ct)
    {
        var (count, bytes) = (0, 0L);
        foreach (var (sha256, size, storedAt) in await store.ListSharedAsync(ct).ConfigureAwait(false))
        {
            if (inUse.Contains(sha256) || storedAt > cutoff)
            {
                continue;
            }

            await store.DeleteSharedAsync(sha256, ct).ConfigureAwait(false);
            count++;
            bytes += size;
        }

        if (count > 0)
        {
            LogCollectedShared(count, bytes);
        }
    }

    /// <summary>Deletes what uploads killed mid-way (a crashed coordinator or uploader) left in <c>artifacts/tmp</c>.</summary>
    private void SweepPartialUploads(DateTimeOffset cutoff)
    {
        foreach (var (path, size, writtenAt) in store.ListPartialUploads())
        {
            if (writtenAt > cutoff)
            {
                continue;
            }

            try
            {
                File.Delete(path);
                LogPartialDeleted(Path.GetFileName(path), size);
            }
            catch (IOException ex)
            {
                LogDeleteFailed(ex, Path.GetFileName(path));
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.ArtifactCollectionInterval, clock, CollectAsync, LogSweepFailed, stoppingToken);

    [LoggerMessage(EventId = 240, Level = LogLevel.Information, Message = "Artifact store: deleted {Count} unused artifact(s), {Bytes} bytes")]
    private partial void LogCollected(int count, long bytes);

    [LoggerMessage(EventId = 241, Level = LogLevel.Warning, Message = "Artifact store: could not delete {Sha256}")]
    private partial void LogDeleteFailed(Exception ex, string sha256);

    [LoggerMessage(EventId = 243, Level = LogLevel.Information, Message = "Artifact store: deleted abandoned partial upload {Name}, {Bytes} bytes")]
    private partial void LogPartialDeleted(string name, long bytes);

    [LoggerMessage(EventId = 244, Level = LogLevel.Information, Message = "Shared artifact store: deleted {Count} unused artifact(s), {Bytes} bytes")]
    private partial void LogCollectedShared(int count, long bytes);

    [LoggerMessage(EventId = 242, Level = LogLevel.Warning, Message = "Artifact store: sweep failed")]
    private partial void LogSweepFailed(Exception ex);
}
