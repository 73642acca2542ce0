using Herald.Core.Deliveries;

namespace Herald.Storage;

/// <summary>
/// One balancing round of a node: it is alive until <see cref="Now"/> + <see cref="Ttl"/>, gives back
/// <see cref="GiveBack"/> (partitions it has drained), and holds the rest of its partitions, and any
/// it takes, until the same time.
/// </summary>
public sealed record PartitionRound(string Node, DateTimeOffset Now, TimeSpan Ttl, IReadOnlyCollection<int> GiveBack);

/// <summary>
/// What a node holds after a round: <see cref="Owned"/> until <see cref="LeaseUntil"/>, among
/// <see cref="LiveNodes"/> live nodes (itself included); <see cref="Taken"/> lists the partitions
/// this round took, and <see cref="ReleasedDeliveries"/> the delivery leases it gave back for nodes
/// that are gone.
/// </summary>
public sealed record PartitionHoldings(
    IReadOnlySet<int> Owned,
    int LiveNodes,
    DateTimeOffset LeaseUntil,
    IReadOnlySet<int> Taken,
    int ReleasedDeliveries)
{
    /// <summary>How many partitions a node may hold: ceil(<see cref="LanePartitions.Count"/> / live nodes).</summary>
    public int FairShare => FairShareOf(LiveNodes);

    public static int FairShareOf(int liveNodes) => (LanePartitions.Count + Math.Max(1, liveNodes) - 1) / Math.Max(1, liveNodes);
}

/// <summary>
/// Which node owns which of the <see cref="LanePartitions.Count"/> webhook partitions. Exactly one
/// live node at a time owns a partition, through a lease, and only that node claims deliveries for
/// its webhooks (<see cref="ClaimRequest.Partitions"/>), so a webhook's lane — its concurrency,
/// rate limit, circuit and object order — lives on one node of the cluster.
/// <para>
/// Time is the caller's <c>now</c>, read from the provider's clock (the database's on a shared
/// store), as for delivery leases: leases written by one node are compared with another's times.
/// </para>
/// </summary>
public interface IPartitionLeases
{
    /// <summary>
    /// False when one process owns the store (SQLite): it owns every partition, always, and a
    /// dispatcher claims for every webhook without balancing. True when nodes share the store.
    /// </summary>
    bool Shared { get; }

    /// <summary>
    /// One round, atomic for the cluster: records the node as live until <c>Now + Ttl</c>; gives back
    /// the partitions of <see cref="PartitionRound.GiveBack"/> it holds; renews every other partition
    /// it holds until <c>Now + Ttl</c>; then takes partitions no one holds (never held, given back,
    /// or whose lease ran out at <c>Now</c>), other than those just given back, until it holds its
    /// fair share — ceil(partitions / live nodes) — or none is left. It never gives up a partition by
    /// itself: a node above its share drains the surplus and names it in a later round's
    /// <see cref="PartitionRound.GiveBack"/>. When it takes a partition from a node that is no longer
    /// live, every delivery lease that node held is given back (due at <c>Now</c>), so work a killed
    /// node had in flight is sent again within about one partition lease, not one delivery lease.
    /// </summary>
    Task<PartitionHoldings> BalanceAsync(PartitionRound round, CancellationToken cancellationToken);

    /// <summary>A graceful exit: gives back every partition <paramref name="node"/> holds and forgets the node, so others take them at once.</summary>
    Task LeaveAsync(string node, CancellationToken cancellationToken);
}
