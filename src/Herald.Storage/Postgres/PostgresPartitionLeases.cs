using Herald.Core.Deliveries;
using Herald.Storage.Sqlite;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Partition leases in <c>partition_leases</c>, node heartbeats in <c>cluster_nodes</c>. A round is
/// one batch (one round trip, one implicit transaction) under a transaction-scoped advisory lock, so
/// the rounds of all nodes run one at a time and each sees the others' last rounds whole; the writes
/// are conditional on expiry as well, so a partition is never owned by two live nodes even if the
/// lock were lost.
/// </summary>
internal sealed class PostgresPartitionLeases(PostgresDatabase database) : IPartitionLeases
{
    /// <summary>The advisory lock key balancing rounds run under ("HeraldP" + 1; migrations use another).</summary>
    private const long BalanceLock = 0x4865_7261_6C64_5031;

    // Free partitions — never held, given back, or whose lease ran out — other than those given back
    // this round, in random order (nodes taking at once spread over different ones), up to the fair
    // share less what the node holds. Taking one from a node that is no longer live gives back every
    // delivery lease that node held, due now. The statement sees the table as the earlier statements
    // of the batch left it (renewed, given back), not the rows it inserts itself: those come from
    // "taken". Kinds: 0 held before this statement, 1 taken, 2 live nodes, 3 deliveries released.
    private static readonly string TakeSql = $"""
        WITH live AS (SELECT count(*)::int AS n FROM cluster_nodes WHERE expires_at > $2),
        mine AS (SELECT count(*)::int AS n FROM partition_leases WHERE owner = $1),
        free AS (
            SELECT p.partition, l.owner AS previous
              FROM generate_series(0, {LanePartitions.Count - 1}) AS p(partition)
              LEFT JOIN partition_leases l ON l.partition = p.partition
             WHERE (l.partition IS NULL OR l.owner IS NULL OR l.expires_at <= $2) AND p.partition <> ALL($4)
             ORDER BY random()
             LIMIT (SELECT GREATEST(0, (({LanePartitions.Count} + live.n - 1) / live.n) - mine.n) FROM live, mine)),
        taken AS (
            INSERT INTO partition_leases (partition, owner, expires_at)
            SELECT partition, $1, $3 FROM free ORDER BY partition
            ON CONFLICT (partition) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
             WHERE partition_leases.owner IS NULL OR partition_leases.expires_at <= $2
            RETURNING partition),
        gone AS (
            SELECT DISTINCT f.previous AS owner
              FROM free f JOIN taken t ON t.partition = f.partition
             WHERE f.previous IS NOT NULL AND f.previous <> $1
               AND NOT EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.id = f.previous AND n.expires_at > $2)),
        released AS (
            UPDATE deliveries SET lease_owner = NULL, lease_until = 0, next_attempt_at = $2
             WHERE status = 0 AND lease_owner IN (SELECT owner FROM gone)
            RETURNING 1)
        SELECT 0 AS kind, partition AS value FROM partition_leases WHERE owner = $1
        UNION ALL SELECT 1, partition FROM taken
        UNION ALL SELECT 2, n FROM live
        UNION ALL SELECT 3, count(*)::int FROM released
        """;

    public bool Shared => true;

    public async Task<PartitionHoldings> BalanceAsync(PartitionRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrEmpty(round.Node);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(round.Ttl, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(round.GiveBack);
        var now = UnixTime.ToMs(round.Now);
        var until = UnixTime.ToMs(round.Now + round.Ttl);
        var giveBack = round.GiveBack.Distinct().ToArray();

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                PostgresDatabase.BatchCommand("SELECT pg_advisory_xact_lock($1)", BalanceLock),
                PostgresDatabase.BatchCommand(
                    "INSERT INTO cluster_nodes (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at",
                    round.Node, until),
                PostgresDatabase.BatchCommand("DELETE FROM cluster_nodes WHERE expires_at <= $1", now),
                PostgresDatabase.BatchCommand(
                    "UPDATE partition_leases SET owner = NULL, expires_at = 0 WHERE owner = $1 AND partition = ANY($2)", round.Node, giveBack),
                PostgresDatabase.BatchCommand("UPDATE partition_leases SET expires_at = $2 WHERE owner = $1", round.Node, until),
                PostgresDatabase.BatchCommand(TakeSql, round.Node, now, until, giveBack),
            },
        };

        var owned = new HashSet<int>();
        var taken = new HashSet<int>();
        var live = 1;
        var released = 0;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            // The first statements return nothing the round needs; the last one's rows are the answer.
            while (reader.FieldCount != 2 || reader.GetName(0) != "kind")
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var value = reader.GetInt32(1);
                switch (reader.GetInt32(0))
                {
                    case 0: owned.Add(value); break;
                    case 1: owned.Add(value); taken.Add(value); break;
                    case 2: live = value; break;
                    default: released = value; break;
                }
            }
        }

        return new PartitionHoldings(owned, live, round.Now + round.Ttl, taken, released);
    }

    public async Task LeaveAsync(string node, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                PostgresDatabase.BatchCommand("SELECT pg_advisory_xact_lock($1)", BalanceLock),
                PostgresDatabase.BatchCommand("UPDATE partition_leases SET owner = NULL, expires_at = 0 WHERE owner = $1", node),
                PostgresDatabase.BatchCommand("DELETE FROM cluster_nodes WHERE id = $1", node),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
