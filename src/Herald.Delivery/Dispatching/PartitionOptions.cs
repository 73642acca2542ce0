namespace Herald.Delivery.Dispatching;

/// <summary>How a node of a cluster holds its webhook partitions (a store one process owns ignores these).</summary>
public sealed class PartitionOptions
{
    /// <summary>
    /// How long a partition lease (and the node's heartbeat) lasts without renewal: a killed node's
    /// partitions, and the deliveries it had in flight, are taken over this long after its last round.
    /// </summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a node renews its leases, takes free partitions and hands its surplus over.</summary>
    public TimeSpan RebalanceEvery { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long before its lease runs out a node that could not renew stops starting attempts for its
    /// partitions, so it never sends beside the node that takes them over (clocks may differ a little).
    /// </summary>
    public TimeSpan FenceMargin { get; set; } = TimeSpan.FromSeconds(2);
}
