using Herald.Storage.Sqlite;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Retention, one batch per statement: the batch's candidates are the next ids after a cursor, and
/// the delete re-checks every condition on the row as it is when deleted (a delivery retried by hand
/// meanwhile is kept), so nothing is held locked for longer than one batch.
/// </summary>
internal sealed class PostgresRetentionStore(PostgresDatabase database) : IRetentionStore
{
    public Task<int> DeleteDeliveriesAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) =>
        // A delivery changed before the cutoff was created before it, and its id is time-ordered.
        SweepAsync(
            [],
            """
            WITH c AS (
                SELECT id FROM deliveries WHERE id > $1 AND id < $2 AND status <> 0 AND updated_at < $3 ORDER BY id LIMIT $4
            ),
            gone AS (
                DELETE FROM deliveries d USING c WHERE d.id = c.id AND d.status <> 0 AND d.updated_at < $3 RETURNING d.id
            ),
            attempts_gone AS (
                DELETE FROM attempts a USING gone WHERE a.delivery_id = gone.id
            )
            SELECT (SELECT MAX(id) FROM c), (SELECT count(*) FROM gone)
            """,
            cutoff,
            batchSize,
            cancellationToken);

    public Task<int> DeleteEventsAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) =>
        // The batch's events are locked first (first statement) and checked for references by the
        // second, which sees every delivery committed before the lock was granted. A replay chunk
        // locks the events it creates deliveries for (FOR KEY SHARE) and skips the ones gone, so an
        // event is never deleted under a delivery created at the same moment.
        SweepAsync(
            ["SELECT id FROM events WHERE id > $1 AND id < $2 AND received_at < $3 ORDER BY id LIMIT $4 FOR UPDATE"],
            """
            WITH c AS (
                SELECT id FROM events WHERE id > $1 AND id < $2 AND received_at < $3 ORDER BY id LIMIT $4
            ),
            gone AS (
                DELETE FROM events e USING c WHERE e.id = c.id AND e.received_at < $3
                  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
                RETURNING e.id
            )
            SELECT (SELECT MAX(id) FROM c), (SELECT count(*) FROM gone)
            """,
            cutoff,
            batchSize,
            cancellationToken);

    public async Task<int> DeleteIdempotencyKeysAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        var cutoffMs = UnixTime.ToMs(cutoff);
        var total = 0;
        (string Scope, string Key) cursor = (string.Empty, string.Empty);
        while (true)
        {
            var rows = await database.QueryAsync(
                """
                WITH c AS (
                    SELECT scope, key FROM idempotency_keys WHERE (scope, key) > ($1, $2) AND created_at < $3 ORDER BY scope, key LIMIT $4
                ),
                gone AS (
                    DELETE FROM idempotency_keys k USING c WHERE k.scope = c.scope AND k.key = c.key AND k.created_at < $3 RETURNING k.scope
                ),
                last AS (
                    SELECT scope, key FROM c ORDER BY scope DESC, key DESC LIMIT 1
                )
                SELECT last.scope, last.key, (SELECT count(*) FROM gone) FROM last
                """,
                r => (r.GetString(0), r.GetString(1), (int)r.GetInt64(2)),
                cancellationToken,
                cursor.Scope, cursor.Key, cutoffMs, batchSize).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return total;
            }

            total += rows[0].Item3;
            cursor = (rows[0].Item1, rows[0].Item2);
        }
    }

    public Task<int> DeleteReplayJobsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM replay_jobs WHERE status <> 'running' AND modified_at < $1", cancellationToken, UnixTime.ToMs(cutoff));

    /// <summary>
    /// Pages through time-ordered ids older than <paramref name="cutoff"/>: each batch runs
    /// <paramref name="before"/> then <paramref name="sweep"/> (parameters: cursor, id bound, cutoff
    /// ms, batch size) in one transaction; the sweep returns the batch's last candidate id and how
    /// many rows it deleted.
    /// </summary>
    private async Task<int> SweepAsync(string[] before, string sweep, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        var cutoffMs = UnixTime.ToMs(cutoff);
        var bound = TimeOrderedIds.LowerBound(cutoff);
        var total = 0;
        var cursor = string.Empty;
        while (true)
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection);
            foreach (var sql in before)
            {
                batch.BatchCommands.Add(PostgresDatabase.BatchCommand(sql, cursor, bound, cutoffMs, batchSize));
            }

            batch.BatchCommands.Add(PostgresDatabase.BatchCommand(sweep, cursor, bound, cutoffMs, batchSize));
            string? last = null;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                for (var i = 0; i < before.Length; i++)
                {
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                }

                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
                {
                    last = reader.GetString(0);
                    total += (int)reader.GetInt64(1);
                }
            }

            if (last is null)
            {
                return total;
            }

            cursor = last;
        }
    }
}
