using System.Globalization;

namespace Akd.Bench.Infra;

/// <summary>Repeated measurements of one quantity; reported as median and min–max.</summary>
public sealed class Samples
{
    private readonly List<double> _values = [];

    public Samples()
    {
    }

    public Samples(IEnumerable<double> values)
    {
        _values.AddRange(values);
    }

    public double Median
    {
        get
        {
            if (_values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _values.Order().ToList();
            var mid = sorted.Count / 2;
            return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    public double Min => _values.Count == 0 ? double.NaN : _values.Min();

    public double Max => _values.Count == 0 ? double.NaN : _values.Max();

    public void Add(double value) => _values.Add(value);

    /// <summary>The sample added last (NaN when none was).</summary>
    public double Last => _values.Count == 0 ? double.NaN : _values[^1];

    /// <summary>"1.23 (1.10–1.40)" in the given unit format; a single sample has no range.</summary>
    public string Format(Func<double, string> unit) =>
        _values.Count == 0 ? "–" : _values.Count == 1 ? unit(Median) : $"{unit(Median)} ({unit(Min)}–{unit(Max)})";

    public static string Seconds(double s) => s.ToString(s < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " s";

    public static string Millis(double ms) => ms.ToString(ms < 100 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms";

    public static string MiB(double bytes) => (bytes / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>Memory in decimal megabytes, the unit of the targets.</summary>
    public static string MB(double bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    public static string MiBps(double bytesPerSecond) => (bytesPerSecond / (1024 * 1024)).ToString("0", CultureInfo.InvariantCulture) + " MiB/s";

    public static string Percent(double value) => value.ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static string Ratio(double value) => double.IsNaN(value) ? "–" : value.ToString("0.00", CultureInfo.InvariantCulture) + "×";
}
