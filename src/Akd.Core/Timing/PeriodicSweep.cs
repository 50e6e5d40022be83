namespace Akd.Core.Timing;

/// <summary>
/// The loop of a housekeeping job (artifact sweeps, history retention, cache pruning): once at
/// start-up, then every interval until stopped. A failed round is reported and retried next time:
/// housekeeping costs disk space when it fails, never correctness.
/// </summary>
public static class PeriodicSweep
{
    public static async Task RunAsync(
        TimeSpan interval, TimeProvider clock, Func<CancellationToken, Task> round, Action<Exception> failed, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(failed);
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                await round(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
