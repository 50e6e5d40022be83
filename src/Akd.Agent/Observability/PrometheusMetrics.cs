using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Akd.Core.Metrics;

namespace Akd.Agent.Observability;

/// <summary>
/// Listens to the agent's meter and keeps cumulative totals for the Prometheus text format (version 0.0.4), named as
/// the OpenTelemetry exporter named them: counters get <c>_total</c>, the units <c>s</c> and <c>By</c> become
/// <c>_seconds</c> and <c>_bytes</c>, histograms use <see cref="StepInstruments.DurationBuckets"/>.
/// </summary>
/// <remarks>
/// In place of OpenTelemetry's SDK and HttpListener exporter: they are linked into the NativeAOT agent whether or not
/// metrics are on, and with the regex engine they pull in cost every idle agent about 1.6 MB of resident memory
/// (bench footprint). The agent has six instruments of three kinds; this is all they need.
/// </remarks>
internal sealed class PrometheusMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<Instrument, Family> _families = [];

    /// <param name="meters">The factory <see cref="AgentMetrics"/> created its meter with: only that meter's instruments are kept.</param>
    public PrometheusMetrics(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != AgentMetrics.MeterName || !ReferenceEquals(instrument.Meter.Scope, meters))
            {
                return;
            }

            lock (_gate)
            {
                _families[instrument] = new Family(instrument);
            }

            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments now and writes every series in the Prometheus text format.</summary>
    public string Scrape()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                family.WriteTo(text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        lock (_gate)
        {
            if (_families.TryGetValue(instrument, out var family))
            {
                family.Record(labels, value);
            }
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in tags)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(key).Append("=\"");
            foreach (var c in Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")
            {
                _ = c switch
                {
                    '\\' => text.Append(@"\\"),
                    '"' => text.Append("\\\""),
                    '\n' => text.Append(@"\n"),
                    _ => text.Append(c),
                };
            }

            text.Append('"');
        }

        return text.ToString();
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>One instrument's series, by label set (the tags as the call site gives them, which is always the same order).</summary>
    private sealed class Family(Instrument instrument)
    {
        private readonly Dictionary<string, Series> _series = [];
        private readonly bool _histogram = instrument is Histogram<double> or Histogram<long>;
        private readonly string _type = instrument switch
        {
            Counter<long> or Counter<double> => "counter",
            Histogram<double> or Histogram<long> => "histogram",
            _ => "gauge",
        };

        public string Name { get; } = instrument.Name + instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => "",
        } + (instrument is Counter<long> or Counter<double> ? "_total" : "");

        public void Record(string labels, double value)
        {
            if (!_series.TryGetValue(labels, out var series))
            {
                series = new Series(_histogram ? new long[StepInstruments.DurationBuckets.Length] : null);
                _series[labels] = series;
            }

            series.Record(_type, value);
        }

        public void WriteTo(StringBuilder text)
        {
            text.Append("# TYPE ").Append(Name).Append(' ').Append(_type).Append('\n');
            if (!string.IsNullOrEmpty(instrument.Description))
            {
                text.Append("# HELP ").Append(Name).Append(' ').Append(instrument.Description.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal)).Append('\n');
            }

            foreach (var (labels, series) in _series)
            {
                if (series.Buckets is not { } buckets)
                {
                    Sample(text, Name, labels, series.Value);
                    continue;
                }

                var separator = labels.Length > 0 ? "," : "";
                for (var i = 0; i < buckets.Length; i++)
                {
                    Sample(text, Name + "_bucket", $"{labels}{separator}le=\"{Number(StepInstruments.DurationBuckets[i])}\"", buckets[i]);
                }

                Sample(text, Name + "_bucket", $"{labels}{separator}le=\"+Inf\"", series.Count);
                Sample(text, Name + "_sum", labels, series.Value);
                Sample(text, Name + "_count", labels, series.Count);
            }
        }

        private static void Sample(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }

            text.Append(' ').Append(Number(value)).Append('\n');
        }
    }

    /// <summary>A counter's total, a gauge's last value, or a histogram's sum with cumulative bucket counts.</summary>
    private sealed class Series(long[]? buckets)
    {
        public long[]? Buckets { get; } = buckets;

        public double Value { get; private set; }

        public long Count { get; private set; }

        public void Record(string type, double value)
        {
            if (type == "gauge")
            {
                Value = value;
                return;
            }

            Value += value;
            Count++;
            if (Buckets is { } buckets)
            {
                for (var i = 0; i < buckets.Length; i++)
                {
                    if (value <= StepInstruments.DurationBuckets[i])
                    {
                        buckets[i]++;
                    }
                }
            }
        }
    }
}
