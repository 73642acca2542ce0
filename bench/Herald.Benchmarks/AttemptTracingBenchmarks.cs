using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Herald.Core.Deliveries;
using Herald.Delivery.Http;
using Herald.Delivery.Tracing;
using Herald.Storage;

namespace Herald.Benchmarks;

/// <summary>
/// What tracing adds to one delivery attempt: the <c>deliver</c> span started from the stored
/// publish context, tagged and ended (HeraldActivities.StartAttempt + Attempted), without a
/// listener and with one that records everything (the OpenTelemetry SDK's case with tracing on).
/// </summary>
[MemoryDiagnoser]
public class AttemptTracingBenchmarks
{
    private static readonly ClaimedDelivery Delivery = new(
        "01a2343c-0bca-7a51-a058-f34a202e3e80", "01a2343c-0ae8-724b-9cfe-3c1f2ce2c2fe", "01a2343c-0b5e-7f1a-8a3f-2b7c1d9e4f60", "42", 0,
        "assets.proxies.update", new byte[1024], DateTimeOffset.UtcNow.AddMinutes(5),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);

    private static readonly SendResult Ok = new(200, null, "ok", TimeSpan.FromMilliseconds(40), null, TimedOut: false);

    private ActivityListener? _listener;

    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Listening)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == HeraldActivities.SourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_listener);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _listener?.Dispose();

    [Benchmark]
    public void Attempt()
    {
        using var span = HeraldActivities.StartAttempt(Delivery, 1);
        HeraldActivities.Attempted(span, Ok);
    }
}
