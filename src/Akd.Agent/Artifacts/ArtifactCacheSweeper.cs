using Microsoft.Extensions.Options;

namespace Akd.Agent.Artifacts;

/// <summary>Prunes the artifact cache at start-up and then every <see cref="AgentOptions.ArtifactCacheSweepInterval"/>.</summary>
internal sealed partial class ArtifactCacheSweeper(ArtifactCache cache, IOptions<AgentOptions> options, TimeProvider clock, ILogger<ArtifactCacheSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ArtifactCacheSweepInterval, clock);
        do
        {
            try
            {
                var deleted = cache.Prune();
                if (deleted.Count > 0)
                {
                    LogPruned(deleted.Count);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A full cache costs disk space, not correctness: try again next time.
                LogPruneFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Artifact cache: deleted {Count} file(s)")]
    private partial void LogPruned(int count);

    [LoggerMessage(EventId = 141, Level = LogLevel.Warning, Message = "Artifact cache: prune failed")]
    private partial void LogPruneFailed(Exception ex);
}
