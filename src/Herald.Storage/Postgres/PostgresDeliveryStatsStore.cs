using System.Globalization;
using Herald.Core.Webhooks;
using Herald.Storage.Sqlite;

namespace Herald.Storage.Postgres;

/// <summary>
/// The admin UI's read-only queries, as the SQLite provider runs them: new attempts are a seek on
/// <c>attempts.seq</c> (insert order), and delivery ids are time-ordered
/// (<see cref="TimeOrderedIds"/>), so "deliveries created between" is a primary-key range.
/// </summary>
internal sealed class PostgresDeliveryStatsStore(PostgresDatabase database) : IDeliveryStatsStore
{
    public async Task<IReadOnlyList<AttemptFact>> ReadAttemptsAsync(long after, int max, CancellationToken cancellationToken) =>
        await database.QueryAsync(
            """
            SELECT a.seq, d.webhook_id, d.domain_id, a.started_at, a.status_code, a.duration_ms
              FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
             WHERE a.seq > $1
             ORDER BY a.seq LIMIT $2
            """,
            r => new AttemptFact(
                r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                UnixTime.FromMs(r.GetInt64(3)), r.IsDBNull(4) ? null : r.GetInt32(4), r.GetDouble(5)),
            cancellationToken,
            after, max).ConfigureAwait(false);

    public async Task<long> FindAttemptCursorAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        // Attempts are inserted about in time order, so a binary search over seq finds where
        // "since" begins in a few point reads instead of a scan.
        var sinceMs = UnixTime.ToMs(since);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        long low, high;
        await using (var bounds = PostgresDatabase.Command(connection, "SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM attempts"))
        await using (var reader = await bounds.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (low, high) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        if (high == 0)
        {
            return 0;
        }

        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            await using var probe = PostgresDatabase.Command(connection, "SELECT seq, started_at FROM attempts WHERE seq >= $1 ORDER BY seq LIMIT 1", middle);
            await using var reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.GetInt64(1) >= sinceMs)
            {
                high = middle;
            }
            else
            {
                low = reader.GetInt64(0) + 1;
            }
        }

        return Math.Max(0, low - 1);
    }

    public async Task<long> CountPendingAsync(string? domainId, CancellationToken cancellationToken) =>
        Convert.ToInt64(
            await database.ScalarAsync("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND ($1::text IS NULL OR domain_id = $1)", cancellationToken, domainId).ConfigureAwait(false),
            CultureInfo.InvariantCulture);

    public async Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);

        // Both id bounds are always bound ("~" sorts above every id, "" below), so the range is a
        // seek of the primary key (or of (webhook_id, id)); created_at decides at the edges.
        var upper = filter.Page.Cursor;
        if (until is { } end && (upper is null || string.CompareOrdinal(TimeOrderedIds.LowerBound(end.AddMilliseconds(1)), upper) < 0))
        {
            upper = TimeOrderedIds.LowerBound(end.AddMilliseconds(1));
        }

        var items = await database.QueryAsync(
            "SELECT " + SqliteDeliveryStore.ViewColumns + """
             FROM deliveries
            WHERE ($1::text IS NULL OR domain_id = $1) AND ($2::text IS NULL OR webhook_id = $2) AND ($3::integer IS NULL OR status = $3)
              AND ($4::text IS NULL OR object_id = $4) AND id < $5 AND id >= $6
              AND ($7::bigint IS NULL OR created_at >= $7) AND ($8::bigint IS NULL OR created_at < $8)
            ORDER BY id DESC LIMIT $9
            """,
            r => SqliteDeliveryStore.ReadView(r, null),
            cancellationToken,
            filter.DomainId, filter.WebhookId, filter.Status is { } s ? (int)s : null, filter.ObjectId, upper ?? "~",
            since is { } start ? TimeOrderedIds.LowerBound(start) : string.Empty, UnixTime.ToMs(since), UnixTime.ToMs(until),
            filter.Page.Limit + 1).ConfigureAwait(false);
        return Paging.Cut(items, filter.Page.Limit, d => d.Id);
    }

    public async Task<EventRecord?> GetEventAsync(string id, string? domainId, CancellationToken cancellationToken) =>
        (await database.QueryAsync(
            "SELECT id, domain_id, event_type, realm, operation, object_id, body, received_at FROM events WHERE id = $1 AND ($2::text IS NULL OR domain_id = $2)",
            r => new EventRecord(
                r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), (byte[])r.GetValue(6), UnixTime.FromMs(r.GetInt64(7))),
            cancellationToken,
            id, domainId).ConfigureAwait(false)) is [var found] ? found : null;

    public async Task<IReadOnlyDictionary<WebhookStatus, int>> CountWebhooksAsync(string? domainId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT status, COUNT(*)::integer FROM webhooks WHERE ($1::text IS NULL OR domain_id = $1) GROUP BY status",
            r => (Status: r.GetString(0), Count: r.GetInt32(1)),
            cancellationToken,
            domainId).ConfigureAwait(false);
        var counts = Enum.GetValues<WebhookStatus>().ToDictionary(s => s, _ => 0);
        foreach (var (status, count) in rows)
        {
            if (WebhookStatusNames.TryParse(status, out var parsed))
            {
                counts[parsed] = count;
            }
        }

        return counts;
    }
}
