using System.Diagnostics.Metrics;
using System.Text;
using Herald.Delivery.Metrics;

namespace Herald.Server.Metrics;

/// <summary>
/// Listens to this host's <c>Herald</c> meter and writes what it measured in the Prometheus text
/// exposition format. Only the meter instance of this host is read, so several hosts in one
/// process (tests) never mix their numbers.
/// </summary>
internal sealed class PrometheusCollector : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly List<InstrumentSeries> _series = [];
    private readonly Lock _lock = new();

    public PrometheusCollector(HeraldMetrics metrics, HeraldGauges gauges)
    {
        _ = gauges; // Created first, so its observable instruments are published to the listener below.
        var meter = metrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, meter))
            {
                return;
            }

            var series = new InstrumentSeries(instrument);
            lock (_lock)
            {
                _series.Add(series);
            }

            listener.EnableMeasurementEvents(instrument, series);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments, then writes every series.</summary>
    public string Collect()
    {
        var text = new StringBuilder(4096);
        lock (_lock)
        {
            _listener.RecordObservableInstruments();
            foreach (var series in _series.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                series.WriteTo(text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();
}
