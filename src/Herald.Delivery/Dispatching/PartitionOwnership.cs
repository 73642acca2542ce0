using Herald.Core.Deliveries;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// The partitions this node may claim and send for, as the <see cref="PartitionBalancer"/> last
/// settled them: those it owns less those it is handing over, and none once its leases could have
/// run out without renewal (self-fencing). Until a balancer says otherwise it is unrestricted — a
/// store one process owns (SQLite) claims for every webhook, at no cost.
/// </summary>
public sealed class PartitionOwnership(TimeProvider time)
{
    private static readonly IReadOnlySet<int> Nothing = new HashSet<int>();

    private volatile State _state = State.Everything;

    /// <summary>
    /// The partitions a claim may take now, for <see cref="Storage.ClaimRequest.Partitions"/>: null for
    /// every webhook, empty when this node holds none (or has fenced itself off).
    /// </summary>
    public IReadOnlySet<int>? Claimable
    {
        get
        {
            var state = _state;
            if (state.Claimable is null)
            {
                return null;
            }

            return time.GetUtcNow() < state.SendUntil ? state.Claimable : Nothing;
        }
    }

    /// <summary>Partitions this node holds leases on, including those it is handing over.</summary>
    public int Owned => _state.Owned;

    /// <summary>Whether an attempt for a webhook of <paramref name="partition"/> may start now.</summary>
    public bool MaySend(int partition)
    {
        var state = _state;
        return state.Claimable is null || (state.Claimable.Contains(partition) && time.GetUtcNow() < state.SendUntil);
    }

    /// <summary>Restricts claims and attempts to <paramref name="claimable"/> until <paramref name="sendUntil"/>.</summary>
    internal void Set(IReadOnlySet<int> claimable, int owned, DateTimeOffset sendUntil) =>
        _state = new State(claimable, owned, sendUntil);

    private sealed record State(IReadOnlySet<int>? Claimable, int Owned, DateTimeOffset SendUntil)
    {
        public static readonly State Everything = new(null, LanePartitions.Count, DateTimeOffset.MaxValue);
    }
}
