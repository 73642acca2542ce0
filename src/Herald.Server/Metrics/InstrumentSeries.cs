using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Herald.Server.Metrics;

/// <summary>
/// The aggregated values of one instrument, one cell per label set. Recording touches no lock:
/// an untagged measurement goes straight to its cell, a tagged one looks its cell up first.
/// </summary>
internal sealed class InstrumentSeries
{
    private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);
    private readonly double[] _bounds;
    private readonly bool _lastValue;

    public InstrumentSeries(Instrument instrument)
    {
        Instrument = instrument;
        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
        Type = definition == typeof(Histogram<>) ? "histogram"
            : definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>) ? "counter"
            : "gauge";

        // Observable instruments report current totals or values; a synchronous Gauge sets its value.
        _lastValue = instrument.IsObservable || definition == typeof(Gauge<>);
        _bounds = instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { } advised } ? [.. advised] : [.. Delivery.Metrics.HeraldMetrics.DurationBuckets];
        Name = PrometheusName(instrument, Type);
        Untagged = NewCell();
    }

    public Instrument Instrument { get; }

    /// <summary>The Prometheus metric name, e.g. <c>herald_events_received_total</c>.</summary>
    public string Name { get; }

    /// <summary><c>counter</c>, <c>gauge</c> or <c>histogram</c>.</summary>
    public string Type { get; }

    /// <summary>The cell of measurements without tags; always written, so counters start at 0.</summary>
    public Cell Untagged { get; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var cell = tags.IsEmpty ? Untagged : _cells.GetOrAdd(Labels(tags), _ => NewCell());
        cell.Record(value, _lastValue);
    }

    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var cell = tags.IsEmpty ? Untagged : _cells.GetOrAdd(Labels(tags), _ => NewCell());
        cell.Record(value, _lastValue);
    }

    public void WriteTo(StringBuilder text)
    {
        if (!string.IsNullOrEmpty(Instrument.Description))
        {
            text.Append("# HELP ").Append(Name).Append(' ').Append(Instrument.Description.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        }

        text.Append("# TYPE ").Append(Name).Append(' ').Append(Type).Append('\n');
        var cells = _cells.OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
        if (cells.Count == 0 || Untagged.Touched)
        {
            cells.Insert(0, new KeyValuePair<string, Cell>(string.Empty, Untagged));
        }

        foreach (var (labels, cell) in cells)
        {
            if (Type == "histogram")
            {
                cell.WriteHistogram(text, Name, labels, _bounds);
            }
            else
            {
                text.Append(Name).Append(Braced(labels)).Append(' ').Append(Format(cell.Value)).Append('\n');
            }
        }
    }

    private Cell NewCell() => new(Type == "histogram" ? _bounds : null);

    private static string PrometheusName(Instrument instrument, string type)
    {
        var name = new StringBuilder(instrument.Name.Length + 16);
        foreach (var c in instrument.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        if (instrument.Unit == "s" && !instrument.Name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name.Append("_seconds");
        }

        if (type == "counter")
        {
            name.Append("_total");
        }

        return name.ToString();
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            pairs.Add($"{key.Replace('.', '_')}=\"{escaped}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private static string Braced(string labels) => labels.Length == 0 ? string.Empty : "{" + labels + "}";

    internal static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>One label set's value (counter, gauge) or buckets (histogram).</summary>
    internal sealed class Cell(double[]? bounds)
    {
        private readonly long[]? _buckets = bounds is null ? null : new long[bounds.Length + 1];
        private long _integer;
        private double _real;

        public bool Touched { get; private set; }

        public double Value => Interlocked.Read(ref _integer) + Volatile.Read(ref _real);

        public void Record(long value, bool replace)
        {
            if (_buckets is not null)
            {
                Record((double)value, replace);
                return;
            }

            Touched = true;
            if (replace)
            {
                Interlocked.Exchange(ref _integer, value);
            }
            else
            {
                Interlocked.Add(ref _integer, value);
            }
        }

        public void Record(double value, bool replace)
        {
            Touched = true;
            if (_buckets is not null)
            {
                var index = Array.BinarySearch(bounds!, value);
                Interlocked.Increment(ref _buckets[index >= 0 ? index : ~index]);
            }

            if (replace)
            {
                Interlocked.Exchange(ref _real, value);
                return;
            }

            double seen, sum;
            do
            {
                seen = Volatile.Read(ref _real);
                sum = seen + value;
            }
            while (Interlocked.CompareExchange(ref _real, sum, seen) != seen);
        }

        public void WriteHistogram(StringBuilder text, string name, string labels, double[] bounds)
        {
            var prefix = labels.Length == 0 ? string.Empty : labels + ",";
            long cumulative = 0;
            for (var i = 0; i <= bounds.Length; i++)
            {
                cumulative += Interlocked.Read(ref _buckets![i]);
                var le = i < bounds.Length ? Format(bounds[i]) : "+Inf";
                text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"").Append(le).Append("\"} ").Append(cumulative).Append('\n');
            }

            text.Append(name).Append("_sum").Append(Braced(labels)).Append(' ').Append(Format(Volatile.Read(ref _real))).Append('\n');
            text.Append(name).Append("_count").Append(Braced(labels)).Append(' ').Append(cumulative).Append('\n');
        }
    }
}
