using System.Diagnostics.Metrics;
using Herald.Delivery.Http;

namespace Herald.Delivery.Metrics;

/// <summary>
/// Herald's instruments on the <c>Herald</c> meter. Names follow OpenTelemetry conventions, so
/// any exporter turns them into the same Prometheus names (<c>herald.events.received</c> →
/// <c>herald_events_received_total</c>). Recording is a lock-free counter add.
/// </summary>
public sealed class HeraldMetrics
{
    public const string MeterName = "Herald";

    /// <summary>Attempt latency buckets in seconds: webhook receivers answer in ms to tens of seconds.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly string[] Outcomes = ["succeeded", "failed", "timeout", "error"];

    private readonly Counter<long> _eventsReceived;
    private readonly Counter<long> _eventsDeduplicated;
    private readonly Counter<long> _deliveriesCreated;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _attemptDuration;

    public HeraldMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);
        _eventsReceived = Meter.CreateCounter<long>("herald.events.received", "{event}", "Events accepted and stored by POST /api/v1/events.");
        _eventsDeduplicated = Meter.CreateCounter<long>("herald.events.deduplicated", "{event}", "Events answered from an earlier publish with the same Idempotency-Key; nothing new was stored.");
        _deliveriesCreated = Meter.CreateCounter<long>("herald.deliveries.created", "{delivery}", "Deliveries created: one per (event, matching webhook).");
        _attempts = Meter.CreateCounter<long>("herald.attempts", "{attempt}", "Delivery attempts by outcome: succeeded (2xx), failed (other status), timeout, error (no response).");
        _attemptDuration = Meter.CreateHistogram<double>(
            "herald.attempt.duration",
            "s",
            "Time from sending an attempt to its response, timeout or error.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    /// <summary>
    /// Writes a zero to every counter series, so a scrape shows them from the start rather than
    /// from their first event (alerts on <c>increase()</c> see the first one too). Call once the
    /// exporters listen: measurements made before that are not seen.
    /// </summary>
    public void Touch()
    {
        _eventsReceived.Add(0);
        _eventsDeduplicated.Add(0);
        _deliveriesCreated.Add(0);
        foreach (var outcome in Outcomes)
        {
            _attempts.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>The meter, for observable instruments that read state at collection time.</summary>
    public Meter Meter { get; }

    /// <summary>
    /// A publish was stored (<paramref name="events"/> events, <paramref name="deliveries"/> deliveries),
    /// or, when <paramref name="replayed"/>, answered from its idempotency record with nothing stored.
    /// </summary>
    public void Published(int events, int deliveries, bool replayed)
    {
        if (replayed)
        {
            _eventsDeduplicated.Add(events);
            return;
        }

        _eventsReceived.Add(events);
        _deliveriesCreated.Add(deliveries);
    }

    /// <summary>One attempt ended.</summary>
    public void Attempted(SendResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var outcome = result.Succeeded ? "succeeded" : result.TimedOut ? "timeout" : result.StatusCode is null ? "error" : "failed";
        _attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _attemptDuration.Record(result.Duration.TotalSeconds);
    }
}
