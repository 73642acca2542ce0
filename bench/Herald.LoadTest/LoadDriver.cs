using System.Diagnostics;

namespace Herald.LoadTest;

/// <summary>How a run of requests went: when it started and ended, each request's duration, and failures.</summary>
internal sealed record DriveResult(long StartTicks, long EndTicks, Percentiles RequestMs, int Failures, string? FirstError, int Late)
{
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(StartTicks, EndTicks);
}

/// <summary>
/// Sends numbered units of work (a publish request, a raw POST) either flat out with a fixed number
/// of workers, or paced at a fixed rate with a cap on how many are in flight.
/// </summary>
internal static class LoadDriver
{
    /// <summary>Flat out: <paramref name="workers"/> loops, each taking the next unit as soon as its last one finished.</summary>
    public static async Task<DriveResult> RunClosedAsync(int units, int workers, Func<int, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var state = new RunState(units);
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        var loops = Enumerable.Range(0, Math.Min(workers, units)).Select(_ => Task.Run(
            async () =>
            {
                int unit;
                while ((unit = Interlocked.Increment(ref next)) < units && !cancellationToken.IsCancellationRequested)
                {
                    await state.SendOneAsync(unit, send, cancellationToken);
                }
            },
            cancellationToken));
        await Task.WhenAll(loops);
        return state.Result(start, Stopwatch.GetTimestamp(), late: 0);
    }

    /// <summary>
    /// Paced: unit <c>i</c> falls due at <c>i / unitsPerSecond</c> seconds. A unit that cannot start
    /// because <paramref name="maxInFlight"/> are still running waits and counts as late.
    /// </summary>
    public static async Task<DriveResult> RunPacedAsync(int units, double unitsPerSecond, int maxInFlight, Func<int, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var state = new RunState(units);
        using var slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        var running = new List<Task>(units);
        var late = 0;
        var next = 0;
        var start = Stopwatch.GetTimestamp();
        while (next < units && !cancellationToken.IsCancellationRequested)
        {
            var due = (int)Math.Min(units, (Stopwatch.GetElapsedTime(start).TotalSeconds * unitsPerSecond) + 1);
            while (next < due)
            {
                if (!slots.Wait(0))
                {
                    late++;
                    await slots.WaitAsync(cancellationToken);
                }

                running.Add(SendAndReleaseAsync(next++));
            }

            await Task.Delay(1, cancellationToken);
        }

        await Task.WhenAll(running);
        return state.Result(start, Stopwatch.GetTimestamp(), late);

        async Task SendAndReleaseAsync(int unit)
        {
            try
            {
                await state.SendOneAsync(unit, send, cancellationToken);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    private sealed class RunState(int units)
    {
        private readonly double[] _durations = new double[units];
        private int _done;
        private int _failures;
        private string? _firstError;

        public async Task SendOneAsync(int unit, Func<int, CancellationToken, Task> send, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await send(unit, cancellationToken);
                _durations[unit] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Increment(ref _done);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failures);
                Interlocked.CompareExchange(ref _firstError, ex.Message, null);
            }
        }

        public DriveResult Result(long start, long end, int late)
        {
            var durations = _durations.Where(d => d > 0).ToList();
            return new DriveResult(start, end, Percentiles.Of(durations), _failures, _firstError, late);
        }
    }
}
