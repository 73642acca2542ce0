using System.Diagnostics;

namespace Herald.LoadTest;

/// <summary>
/// What one phase's receiver saw: each (webhook, seq) slot counted once, its publish→receive latency,
/// duplicates and strays, and the first and last receive times.
/// </summary>
internal sealed class ReceiveTally
{
    private readonly int _webhooks;
    private readonly int _events;
    private readonly int _expected;
    private readonly int[] _hits;
    private readonly long[] _latencyTicks;
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _unique;
    private int _duplicates;
    private int _unexpected;
    private long _firstTicks = long.MaxValue;
    private long _lastTicks;

    public ReceiveTally(int webhooks, int events, int expected)
    {
        _webhooks = webhooks;
        _events = events;
        _expected = expected;
        _hits = new int[checked(webhooks * events)];
        _latencyTicks = new long[_hits.Length];
        if (expected == 0)
        {
            _complete.TrySetResult();
        }
    }

    public int Expected => _expected;

    public int Unique => Volatile.Read(ref _unique);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public int Unexpected => Volatile.Read(ref _unexpected);

    public long FirstTicks => Volatile.Read(ref _firstTicks);

    public long LastTicks => Volatile.Read(ref _lastTicks);

    /// <summary>Completes when every expected slot has been received once.</summary>
    public Task Complete => _complete.Task;

    public void Record(int webhook, int seq, long sentTicks, long receivedTicks)
    {
        if ((uint)webhook >= (uint)_webhooks || (uint)seq >= (uint)_events)
        {
            Interlocked.Increment(ref _unexpected);
            return;
        }

        var slot = (webhook * _events) + seq;
        if (Interlocked.Increment(ref _hits[slot]) != 1)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        _latencyTicks[slot] = receivedTicks - sentTicks;
        Max(ref _lastTicks, receivedTicks);
        Min(ref _firstTicks, receivedTicks);
        if (Interlocked.Increment(ref _unique) == _expected)
        {
            _complete.TrySetResult();
        }
    }

    public void RecordUnexpected() => Interlocked.Increment(ref _unexpected);

    /// <summary>Latencies of the slots received so far, in milliseconds.</summary>
    public Percentiles Latency()
    {
        var values = new List<double>(Unique);
        for (var i = 0; i < _hits.Length; i++)
        {
            if (Volatile.Read(ref _hits[i]) > 0)
            {
                values.Add(_latencyTicks[i] * 1000.0 / Stopwatch.Frequency);
            }
        }

        return Percentiles.Of(values);
    }

    private static void Max(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static void Min(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>Nearest-rank percentiles of a set of millisecond values.</summary>
internal readonly record struct Percentiles(int Count, double P50, double P95, double P99, double Max)
{
    public static Percentiles Of(List<double> values)
    {
        if (values.Count == 0)
        {
            return default;
        }

        values.Sort();
        return new Percentiles(values.Count, Rank(values, 0.50), Rank(values, 0.95), Rank(values, 0.99), values[^1]);
    }

    private static double Rank(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
