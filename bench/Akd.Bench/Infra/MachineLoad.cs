using System.Diagnostics;
using System.Globalization;

namespace Akd.Bench.Infra;

/// <summary>
/// Samples the whole machine's CPU use and load average in the background, so the report can say how
/// busy the machine was while each scenario ran (other users' builds make every figure noisier).
/// </summary>
public sealed class MachineLoad : IAsyncDisposable
{
    private readonly List<(TimeSpan At, double Load1, double BusyPercent)> _samples = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MachineLoad(TimeSpan interval)
    {
        _loop = Task.Run(() => LoopAsync(interval, _stop.Token));
    }

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Median and max of the load average and CPU busy share between two points of <see cref="Now"/>.</summary>
    public (Samples Load1, Samples Busy) Between(TimeSpan from, TimeSpan to)
    {
        lock (_samples)
        {
            var inside = _samples.Where(s => s.At >= from && s.At <= to).ToList();
            return (new Samples(inside.Select(s => s.Load1)), new Samples(inside.Select(s => s.BusyPercent)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(TimeSpan interval, CancellationToken ct)
    {
        var (busy, total) = ReadCpu();
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(interval, ct).ConfigureAwait(false);
            var (busyNow, totalNow) = ReadCpu();
            var share = totalNow > total ? 100.0 * (busyNow - busy) / (totalNow - total) : 0;
            (busy, total) = (busyNow, totalNow);
            var load1 = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
            lock (_samples)
            {
                _samples.Add((_clock.Elapsed, load1, share));
            }
        }
    }

    /// <summary>Jiffies of the first "cpu" line of /proc/stat: busy (all but idle and iowait) and total.</summary>
    private static (long Busy, long Total) ReadCpu()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum();
        var idle = fields[3] + fields[4];
        return (total - idle, total);
    }
}
