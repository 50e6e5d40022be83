using Akd.Coordinator.Storage;
using Akd.Core.Timing;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Deletes deployments (and their events) that ended more than <see cref="CoordinatorOptions.HistoryRetention"/>
/// ago, at start-up and then every <see cref="CoordinatorOptions.HistorySweepInterval"/>; each app and
/// environment keeps its last successful deploy whatever its age.
/// </summary>
public sealed partial class HistoryRetention(
    DeploymentStore deployments, IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<HistoryRetention> logger)
    : BackgroundService
{
    /// <summary>One sweep; returns how many deployments were deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var deleted = await deployments.DeleteHistoryBeforeAsync(clock.GetUtcNow() - options.Value.HistoryRetention, ct).ConfigureAwait(false);
        if (deleted > 0)
        {
            LogDeleted(deleted, options.Value.HistoryRetention);
        }

        return deleted;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.HistorySweepInterval, clock, SweepAsync, LogSweepFailed, stoppingToken);

    [LoggerMessage(EventId = 250, Level = LogLevel.Information, Message = "History: deleted {Count} deployment(s) that ended more than {Retention} ago")]
    private partial void LogDeleted(int count, TimeSpan retention);

    [LoggerMessage(EventId = 251, Level = LogLevel.Warning, Message = "History: sweep failed")]
    private partial void LogSweepFailed(Exception ex);
}
