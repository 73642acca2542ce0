using Herald.Storage;

namespace Herald.Server.Admin;

/// <summary>
/// The admin UI's statistics, kept up to date incrementally: the first read finds where the last
/// 24 hours of attempts begin and folds them in; every later read (at most every
/// <see cref="MaxAge"/>) folds only the attempts recorded since. Pages that refresh every few
/// seconds, in many tabs, cost one small read of what is new, never a scan of the day.
/// </summary>
internal sealed class DeliveryStatsCache(IDeliveryStatsStore store, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);
    private const int Batch = 20_000;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly AttemptRollup _rollup = new();
    private long? _cursor;
    private DateTimeOffset _foldedAt = DateTimeOffset.MinValue;

    public async Task<DeliveryStats> GetAsync(string? scope, CancellationToken cancellationToken)
    {
        await FoldNewAttemptsAsync(cancellationToken);
        var pending = await store.CountPendingAsync(scope, cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _rollup.Read(scope, time.GetUtcNow(), pending);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task FoldNewAttemptsAsync(CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _foldedAt < MaxAge)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (now - _foldedAt < MaxAge)
            {
                return;
            }

            var since = now - AttemptRollup.Window - TimeSpan.FromHours(1);
            var cursor = _cursor ??= await store.FindAttemptCursorAsync(since, cancellationToken);
            IReadOnlyList<AttemptFact> facts;
            do
            {
                facts = await store.ReadAttemptsAsync(cursor, Batch, cancellationToken);
                foreach (var fact in facts)
                {
                    if (fact.StartedAt >= since)
                    {
                        _rollup.Add(fact);
                    }

                    cursor = fact.Cursor;
                }
            }
            while (facts.Count == Batch);

            _cursor = cursor;
            _rollup.Evict(now);
            _foldedAt = now;
        }
        finally
        {
            _gate.Release();
        }
    }
}
