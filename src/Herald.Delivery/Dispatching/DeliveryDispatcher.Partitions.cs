using Herald.Core.Deliveries;

namespace Herald.Delivery.Dispatching;

/// <summary>What a <see cref="PartitionBalancer"/> needs from the dispatcher to hand partitions over.</summary>
public interface IPartitionWork
{
    /// <summary>
    /// Gives back the deliveries waiting on lanes of partitions <paramref name="handingOver"/> selects
    /// (they are no longer claimable, so none starts), and returns those of them that still have an
    /// attempt in flight (or work that arrived meanwhile): those cannot be given back yet.
    /// </summary>
    Task<IReadOnlySet<int>> HandOverAsync(Func<int, bool> handingOver);
}

public sealed partial class DeliveryDispatcher : IPartitionWork
{
    async Task<IReadOnlySet<int>> IPartitionWork.HandOverAsync(Func<int, bool> handingOver)
    {
        ArgumentNullException.ThrowIfNull(handingOver);
        var waiting = new List<ClaimedDelivery>();
        var busy = new HashSet<int>();
        foreach (var lane in _lanes.All)
        {
            if (!handingOver(lane.Partition))
            {
                continue;
            }

            waiting.AddRange(lane.Drain());
            if (lane.InFlight > 0 || lane.Waiting > 0)
            {
                busy.Add(lane.Partition);
            }
        }

        if (waiting.Count > 0)
        {
            await ReleaseQuietlyAsync(waiting);
        }

        return busy;
    }
}
