using Akd.Core.Timing;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Artifacts;

/// <summary>Prunes the artifact cache at start-up and then every <see cref="AgentOptions.ArtifactCacheSweepInterval"/>.</summary>
internal sealed partial class ArtifactCacheSweeper(ArtifactCache cache, IOptions<AgentOptions> options, TimeProvider clock, ILogger<ArtifactCacheSweeper> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.ArtifactCacheSweepInterval, clock, PruneAsync, LogPruneFailed, stoppingToken);

    private Task PruneAsync(CancellationToken ct)
    {
        var deleted = cache.Prune();
        if (deleted.Count > 0)
        {
            LogPruned(deleted.Count);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Artifact cache: deleted {Count} file(s)")]
    private partial void LogPruned(int count);

    [LoggerMessage(EventId = 141, Level = LogLevel.Warning, Message = "Artifact cache: prune failed")]
    private partial void LogPruneFailed(Exception ex);
}
