namespace Herald.LoadTest;

/// <summary>
/// A receiver path that holds every request for <see cref="Hold"/> (longer than the webhook's
/// timeout, so Herald gives up first) and counts how many are held at once. <see cref="Release"/>
/// answers every held request at once and makes later ones answer immediately, so a phase ends
/// without leaving requests behind.
/// </summary>
internal sealed class HangingRoute(TimeSpan hold) : IDisposable
{
    private readonly CancellationTokenSource _release = new();
    private int _inFlight;
    private int _maxInFlight;
    private int _arrived;
    private int _abandoned;

    public TimeSpan Hold { get; } = hold;

    /// <summary>Requests that arrived on the path.</summary>
    public int Arrived => Volatile.Read(ref _arrived);

    /// <summary>Most requests held at the same time.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Held requests whose connection Herald closed before the hold ended (its timeout).</summary>
    public int Abandoned => Volatile.Read(ref _abandoned);

    /// <summary>Holds one request until the hold ends, Herald aborts it, or the route is released.</summary>
    public async Task HoldAsync(CancellationToken requestAborted)
    {
        Interlocked.Increment(ref _arrived);
        var now = Interlocked.Increment(ref _inFlight);
        var seen = Volatile.Read(ref _maxInFlight);
        while (now > seen && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
            seen = Volatile.Read(ref _maxInFlight);
        }

        try
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _release.Token);
            await Task.Delay(Hold, either.Token);
        }
        catch (OperationCanceledException)
        {
            if (requestAborted.IsCancellationRequested)
            {
                Interlocked.Increment(ref _abandoned);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void Release() => _release.Cancel();

    public void Dispose()
    {
        _release.Cancel();
        _release.Dispose();
    }
}
