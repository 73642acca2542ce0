using System.Collections.Concurrent;
using Herald.Storage;

namespace Herald.Server.Admin;

/// <summary>
/// The admin UI's statistics (24 h per webhook, the last hour per minute), read at most every
/// <see cref="MaxAge"/> per domain scope: pages that refresh every few seconds, in several tabs,
/// cost one scan of the recent attempts, not one each.
/// </summary>
internal sealed class DeliveryStatsCache(IDeliveryStatsStore store, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Task<DeliveryStats>> _byScope = new(StringComparer.Ordinal);

    public async Task<DeliveryStats> GetAsync(string? scope, CancellationToken cancellationToken)
    {
        var key = scope ?? string.Empty;
        var now = time.GetUtcNow();
        if (_byScope.TryGetValue(key, out var cached) && cached.IsCompletedSuccessfully && now - cached.Result.Now < MaxAge)
        {
            return cached.Result;
        }

        var read = store.ReadAsync(scope, now - Window, now, cancellationToken);
        _byScope[key] = read;
        return await read;
    }
}
