using Akd.Coordinator.Storage;
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HistorySweepInterval, clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Old history costs disk, not correctness: try again next time.
                LogSweepFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 250, Level = LogLevel.Information, Message = "History: deleted {Count} deployment(s) that ended more than {Retention} ago")]
    private partial void LogDeleted(int count, TimeSpan retention);

    [LoggerMessage(EventId = 251, Level = LogLevel.Warning, Message = "History: sweep failed")]
    private partial void LogSweepFailed(Exception ex);
}
