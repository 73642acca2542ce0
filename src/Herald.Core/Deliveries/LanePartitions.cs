namespace Herald.Core.Deliveries;

/// <summary>
/// Splits webhooks into a fixed number of partitions by a stable hash of their id, the same in every
/// process and every version. A cluster hands out partitions, not single webhooks: one node at a
/// time owns a partition and so every lane in it (its concurrency, rate limit, circuit and object
/// order), and rebalancing moves a few partitions instead of thousands of webhooks.
/// </summary>
public static class LanePartitions
{
    /// <summary>How many partitions there are. Part of the stored format of a cluster: never change it.</summary>
    public const int Count = 256;

    /// <summary>The webhook's partition, 0 to <see cref="Count"/> - 1 (FNV-1a over the id's UTF-16 code units).</summary>
    public static int Of(string webhookId)
    {
        ArgumentNullException.ThrowIfNull(webhookId);
        var hash = 2166136261u;
        foreach (var c in webhookId)
        {
            hash = (hash ^ (c & 0xFFu)) * 16777619u;
            hash = (hash ^ ((uint)c >> 8)) * 16777619u;
        }

        return (int)(hash % Count);
    }
}
