namespace Herald.LoadTest;

/// <summary>Samples a process's resident set every 100 ms and keeps the largest value since the last reset.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly Func<long> _read;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _max;

    public RssSampler(Func<long> read)
    {
        _read = read;
        _loop = Task.Run(SampleAsync);
    }

    public long Max => Math.Max(Volatile.Read(ref _max), _read());

    public long Current => _read();

    public void Reset() => Volatile.Write(ref _max, _read());

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            var value = _read();
            if (value > Volatile.Read(ref _max))
            {
                Volatile.Write(ref _max, value);
            }
        }
    }
}
