using System.Diagnostics;

namespace Akd.Bench.Upgrade;

/// <summary>
/// A constant request stream to one host: GET / every 10 ms. Records every answer's time and whether it
/// succeeded, so a deploy's unavailability window can be read back: from the last good answer before a
/// failure to the first good answer after it.
/// </summary>
public sealed class HostPoller : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(double At, bool Ok)> _answers = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;

    public HostPoller(HttpClient http, int port)
    {
        var uri = new Uri($"http://127.0.0.1:{port}/");
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                bool ok;
                try
                {
                    using var response = await http.GetAsync(uri, _stop.Token).ConfigureAwait(false);
                    ok = response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                catch (TaskCanceledException) when (!_stop.IsCancellationRequested)
                {
                    ok = false; // the client's own timeout
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                lock (_answers)
                {
                    _answers.Add((_clock.Elapsed.TotalSeconds, ok));
                }

                try
                {
                    await Task.Delay(Interval, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    /// <summary>Stops polling; returns the failed requests and the longest unavailability window in seconds (0 without failures).</summary>
    public async Task<(int Failed, int Answered, double Window)> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        var failed = _answers.Count(a => !a.Ok);
        var (window, lastGood, inGap) = (0.0, (double?)null, false);
        foreach (var (at, ok) in _answers)
        {
            if (!ok)
            {
                inGap = true;
            }
            else
            {
                if (inGap && lastGood is { } before)
                {
                    window = Math.Max(window, at - before);
                }

                (lastGood, inGap) = (at, false);
            }
        }

        return (failed, _answers.Count - failed, window);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
