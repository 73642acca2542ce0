namespace Herald.Storage.Sqlite;

/// <summary>
/// Retention. Candidates are found on a read connection (a scan there blocks nobody); each batch is
/// then deleted in its own writer request that re-checks every condition, so a row that changed in
/// between (a failed delivery retried by hand, an event just replayed) is kept.
/// </summary>
internal sealed class SqliteRetentionStore(SqliteDatabase database, SqliteWriter writer) : IRetentionStore
{
    public Task<int> DeleteDeliveriesAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        var cutoffMs = UnixTime.ToMs(cutoff);

        // A delivery changed before the cutoff was created before it, and its id is time-ordered.
        return SweepByIdAsync(
            "SELECT id FROM deliveries WHERE id > $0 AND id < $1 AND status <> 0 AND updated_at < $2 ORDER BY id LIMIT $3",
            cutoff,
            batchSize,
            (session, id) =>
            {
                if (session.Execute("DELETE FROM deliveries WHERE id = $0 AND status <> 0 AND updated_at < $1", id, cutoffMs) == 0)
                {
                    return 0;
                }

                session.Execute("DELETE FROM attempts WHERE delivery_id = $0", id);
                return 1;
            },
            cancellationToken);
    }

    public Task<int> DeleteEventsAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        var cutoffMs = UnixTime.ToMs(cutoff);

        // The reference check runs in the writer, so a delivery created meanwhile (a replay) keeps its event.
        return SweepByIdAsync(
            "SELECT id FROM events WHERE id > $0 AND id < $1 AND received_at < $2 ORDER BY id LIMIT $3",
            cutoff,
            batchSize,
            (session, id) => session.Execute(
                "DELETE FROM events WHERE id = $0 AND received_at < $1 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = $0)",
                id, cutoffMs),
            cancellationToken);
    }

    public async Task<int> DeleteIdempotencyKeysAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        var cutoffMs = UnixTime.ToMs(cutoff);
        var total = 0;
        (string Scope, string Key) cursor = (string.Empty, string.Empty);
        while (true)
        {
            var keys = new List<(string Scope, string Key)>();
            using (var connection = database.Open())
            using (var session = new SqliteSession(connection))
            using (var reader = session.Query(
                "SELECT scope, key FROM idempotency_keys WHERE (scope, key) > ($0, $1) AND created_at < $2 ORDER BY scope, key LIMIT $3",
                cursor.Scope, cursor.Key, cutoffMs, batchSize))
            {
                while (reader.Read())
                {
                    keys.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            if (keys.Count == 0)
            {
                return total;
            }

            total += await writer.ExecuteAsync(
                session => keys.Sum(k => session.Execute(
                    "DELETE FROM idempotency_keys WHERE scope = $0 AND key = $1 AND created_at < $2", k.Scope, k.Key, cutoffMs)),
                cancellationToken);
            cursor = keys[^1];
        }
    }

    public Task<int> DeleteReplayJobsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(
            session => session.Execute("DELETE FROM replay_jobs WHERE status <> 'running' AND modified_at < $0", UnixTime.ToMs(cutoff)),
            cancellationToken);

    /// <summary>
    /// Pages through time-ordered ids older than <paramref name="cutoff"/> with <paramref name="select"/>
    /// (parameters: cursor, id bound, cutoff ms, batch size) and deletes each page in one writer request.
    /// </summary>
    private async Task<int> SweepByIdAsync(string select, DateTimeOffset cutoff, int batchSize, Func<SqliteSession, string, int> deleteOne, CancellationToken cancellationToken)
    {
        var cutoffMs = UnixTime.ToMs(cutoff);
        var bound = TimeOrderedIds.LowerBound(cutoff);
        var total = 0;
        var cursor = string.Empty;
        while (true)
        {
            var ids = ReadIds(select, cursor, bound, cutoffMs, batchSize);
            if (ids.Count == 0)
            {
                return total;
            }

            total += await writer.ExecuteAsync(session => ids.Sum(id => deleteOne(session, id)), cancellationToken);
            cursor = ids[^1];
        }
    }

    private List<string> ReadIds(string sql, params object?[] values)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query(sql, values);
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
