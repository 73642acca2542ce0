namespace Herald.Receiver;

/// <summary>
/// A process-local <see cref="IDeliveryDeduplicationStore"/>: bounded (the oldest ids are evicted beyond
/// <see cref="DeliveryDeduplicationOptions.Capacity"/>) and expiring. Marks are lost on restart; use
/// <see cref="SqliteDeliveryDeduplicationStore"/> when they must survive one or be shared by processes.
/// </summary>
public sealed class InMemoryDeliveryDeduplicationStore : IDeliveryDeduplicationStore
{
    private readonly Lock sync = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> entries = new(StringComparer.Ordinal);

    // Least recently written first, which is roughly soonest to expire; eviction and purging take from the front.
    private readonly LinkedList<Entry> order = new();
    private readonly TimeSpan retention;
    private readonly TimeSpan claimTimeout;
    private readonly int capacity;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">Retention, claim timeout and capacity; defaults when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public InMemoryDeliveryDeduplicationStore(DeliveryDeduplicationOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new DeliveryDeduplicationOptions();
        options.Validate(nameof(options));
        retention = options.Retention;
        claimTimeout = options.ClaimTimeout;
        capacity = options.Capacity;
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The number of ids held, including expired ones not yet purged.</summary>
    public int Count
    {
        get
        {
            lock (sync)
            {
                return entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<DeliveryMarkResult> TryMarkSeenAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryId);
        lock (sync)
        {
            var now = timeProvider.GetUtcNow();
            PurgeExpired(now);
            if (entries.TryGetValue(deliveryId, out var node))
            {
                if (node.Value.ExpiresAt > now)
                {
                    return ValueTask.FromResult(node.Value.Processed ? DeliveryMarkResult.Duplicate : DeliveryMarkResult.InProgress);
                }

                Remove(node);
            }

            Add(new Entry(deliveryId, Processed: false, now + claimTimeout));
            return ValueTask.FromResult(DeliveryMarkResult.Marked);
        }
    }

    /// <inheritdoc />
    public ValueTask MarkProcessedAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryId);
        lock (sync)
        {
            if (entries.TryGetValue(deliveryId, out var node))
            {
                Remove(node);
            }

            Add(new Entry(deliveryId, Processed: true, timeProvider.GetUtcNow() + retention));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask ForgetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryId);
        lock (sync)
        {
            if (entries.TryGetValue(deliveryId, out var node) && !node.Value.Processed)
            {
                Remove(node);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Add(Entry entry)
    {
        while (entries.Count >= capacity && order.First is { } oldest)
        {
            Remove(oldest);
        }

        entries[entry.Id] = order.AddLast(entry);
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        order.Remove(node);
        entries.Remove(node.Value.Id);
    }

    // Only the front is checked, so this stays O(expired); lookups still check each entry's own expiry.
    private void PurgeExpired(DateTimeOffset now)
    {
        while (order.First is { } first && first.Value.ExpiresAt <= now)
        {
            Remove(first);
        }
    }

    private sealed record Entry(string Id, bool Processed, DateTimeOffset ExpiresAt);
}
