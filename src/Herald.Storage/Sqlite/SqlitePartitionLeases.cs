using Herald.Core.Deliveries;

namespace Herald.Storage.Sqlite;

/// <summary>
/// One process owns a SQLite file, so it owns every partition, always: nothing is written, and the
/// dispatcher, seeing <see cref="Shared"/> false, claims for every webhook as before.
/// </summary>
internal sealed class SqlitePartitionLeases : IPartitionLeases
{
    private static readonly IReadOnlySet<int> All = Enumerable.Range(0, LanePartitions.Count).ToHashSet();
    private static readonly IReadOnlySet<int> None = new HashSet<int>();

    public bool Shared => false;

    public Task<PartitionHoldings> BalanceAsync(PartitionRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrEmpty(round.Node);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(round.Ttl, TimeSpan.Zero);
        return Task.FromResult(new PartitionHoldings(All, 1, DateTimeOffset.MaxValue, None, 0));
    }

    public Task LeaveAsync(string node, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        return Task.CompletedTask;
    }
}
