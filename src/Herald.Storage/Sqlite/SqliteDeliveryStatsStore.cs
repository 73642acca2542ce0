using Herald.Core.Webhooks;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The admin UI's read-only queries. Nothing here adds an index the delivery path would have to
/// keep up: new attempts are a seek on the attempts' rowid, and delivery ids are time-ordered
/// (<see cref="TimeOrderedIds"/>), so "deliveries created between" is a primary-key range.
/// </summary>
internal sealed class SqliteDeliveryStatsStore(SqliteDatabase database) : IDeliveryStatsStore
{
    public Task<IReadOnlyList<AttemptFact>> ReadAttemptsAsync(long after, int max, CancellationToken cancellationToken)
    {
        // The attempts' rowid grows with every insert: a seek on it reads only what is new, and the
        // delivery behind each attempt is one primary-key lookup.
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query(
            """
            SELECT a.rowid, d.webhook_id, d.domain_id, a.started_at, a.status_code, a.duration_ms
              FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
             WHERE a.rowid > $0
             ORDER BY a.rowid LIMIT $1
            """,
            after, max);
        var facts = new List<AttemptFact>();
        while (reader.Read())
        {
            facts.Add(new AttemptFact(
                reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                UnixTime.FromMs(reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetDouble(5)));
        }

        return Task.FromResult<IReadOnlyList<AttemptFact>>(facts);
    }

    public Task<long> FindAttemptCursorAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        // Attempts are inserted about in time order, so a binary search over rowids finds where
        // "since" begins in a few point reads instead of a scan.
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        var sinceMs = UnixTime.ToMs(since);
        long Number(object? value) => value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        var low = Number(session.Scalar("SELECT MIN(rowid) FROM attempts"));
        var high = Number(session.Scalar("SELECT MAX(rowid) FROM attempts"));
        if (high == 0)
        {
            return Task.FromResult(0L);
        }

        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            using var reader = session.Query("SELECT rowid, started_at FROM attempts WHERE rowid >= $0 ORDER BY rowid LIMIT 1", middle);
            if (!reader.Read() || reader.GetInt64(1) >= sinceMs)
            {
                high = middle;
            }
            else
            {
                low = reader.GetInt64(0) + 1;
            }
        }

        return Task.FromResult(Math.Max(0, low - 1));
    }

    public Task<long> CountPendingAsync(string? domainId, CancellationToken cancellationToken)
    {
        // The partial index of pending deliveries covers this count.
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        return Task.FromResult(Convert.ToInt64(
            session.Scalar("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND ($0 IS NULL OR domain_id = $0)", domainId),
            System.Globalization.CultureInfo.InvariantCulture));
    }

    public Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        // Both id bounds are always bound ("~" sorts above every id, "" below), so the range is a
        // seek of the primary key (or of (webhook_id, id)); created_at decides at the edges.
        var upper = filter.Page.Cursor;
        if (until is { } end && (upper is null || string.CompareOrdinal(TimeOrderedIds.LowerBound(end.AddMilliseconds(1)), upper) < 0))
        {
            upper = TimeOrderedIds.LowerBound(end.AddMilliseconds(1));
        }

        // A webhook filter is written into the text so the planner seeks (webhook_id, id) for it.
        var webhook = filter.WebhookId is null ? "$1 IS NULL" : "webhook_id = $1";
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query(
            "SELECT " + SqliteDeliveryStore.ViewColumns + $$"""
             FROM deliveries
            WHERE ($0 IS NULL OR domain_id = $0) AND {{webhook}} AND ($2 IS NULL OR status = $2)
              AND ($3 IS NULL OR object_id = $3) AND id < $4 AND id >= $5
              AND ($6 IS NULL OR created_at >= $6) AND ($7 IS NULL OR created_at < $7)
            ORDER BY id DESC LIMIT $8
            """,
            filter.DomainId, filter.WebhookId, filter.Status is { } s ? (int)s : null, filter.ObjectId, upper ?? "~",
            since is { } start ? TimeOrderedIds.LowerBound(start) : string.Empty, UnixTime.ToMs(since), UnixTime.ToMs(until),
            filter.Page.Limit + 1);
        var items = new List<DeliveryView>();
        while (reader.Read())
        {
            items.Add(SqliteDeliveryStore.ReadView(reader, null));
        }

        return Task.FromResult(Paging.Cut(items, filter.Page.Limit, d => d.Id));
    }

    public Task<EventRecord?> GetEventAsync(string id, string? domainId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query(
            "SELECT id, domain_id, event_type, realm, operation, object_id, body, received_at FROM events WHERE id = $0 AND ($1 IS NULL OR domain_id = $1)",
            id, domainId);
        EventRecord? found = null;
        if (reader.Read())
        {
            found = new EventRecord(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), (byte[])reader.GetValue(6), UnixTime.FromMs(reader.GetInt64(7)));
        }

        return Task.FromResult(found);
    }

    public Task<IReadOnlyDictionary<WebhookStatus, int>> CountWebhooksAsync(string? domainId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query("SELECT status, COUNT(*) FROM webhooks WHERE ($0 IS NULL OR domain_id = $0) GROUP BY status", domainId);
        var counts = Enum.GetValues<WebhookStatus>().ToDictionary(s => s, _ => 0);
        while (reader.Read())
        {
            if (WebhookStatusNames.TryParse(reader.GetString(0), out var status))
            {
                counts[status] = reader.GetInt32(1);
            }
        }

        return Task.FromResult<IReadOnlyDictionary<WebhookStatus, int>>(counts);
    }
}
