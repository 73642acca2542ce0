using Herald.Core.Webhooks;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The admin UI's read-only queries. Nothing here adds an index the delivery path would have to
/// keep up: delivery ids are time-ordered (<see cref="TimeOrderedIds"/>), so "deliveries created
/// since T" is a range of the deliveries' and the attempts' primary keys.
/// </summary>
internal sealed class SqliteDeliveryStatsStore(SqliteDatabase database) : IDeliveryStatsStore
{
    public Task<DeliveryStats> ReadAsync(string? domainId, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hourStart = Minute(now).AddMinutes(-59);
        var hourStartMs = UnixTime.ToMs(hourStart);
        var perMinute = new (int Succeeded, int Failed)[60];
        var byWebhook = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using (var reader = session.Query(
            """
            SELECT d.webhook_id, a.started_at, a.status_code, a.duration_ms
              FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
             WHERE a.delivery_id >= $0 AND a.started_at >= $1 AND a.started_at <= $2 AND ($3 IS NULL OR d.domain_id = $3)
            """,
            TimeOrderedIds.LowerBound(since), UnixTime.ToMs(since), UnixTime.ToMs(now), domainId))
        {
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var webhookId = reader.GetString(0);
                var startedAt = reader.GetInt64(1);
                var succeeded = !reader.IsDBNull(2) && reader.GetInt32(2) is >= 200 and < 300;
                if (!byWebhook.TryGetValue(webhookId, out var stats))
                {
                    byWebhook[webhookId] = stats = new Accumulator();
                }

                stats.Add(succeeded, reader.GetDouble(3));
                if (startedAt >= hourStartMs)
                {
                    var slot = (int)((startedAt - hourStartMs) / 60_000);
                    if (slot < perMinute.Length)
                    {
                        perMinute[slot] = succeeded ? (perMinute[slot].Succeeded + 1, perMinute[slot].Failed) : (perMinute[slot].Succeeded, perMinute[slot].Failed + 1);
                    }
                }
            }
        }

        // The partial index of pending deliveries covers this count.
        var pending = Convert.ToInt64(
            session.Scalar("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND ($0 IS NULL OR domain_id = $0)", domainId),
            System.Globalization.CultureInfo.InvariantCulture);
        var minutes = perMinute.Select((c, i) => new MinuteCounts(hourStart.AddMinutes(i), c.Succeeded, c.Failed)).ToList();
        var result = new DeliveryStats(
            since,
            now,
            byWebhook.ToDictionary(p => p.Key, p => p.Value.ToStats(p.Key), StringComparer.Ordinal),
            minutes,
            pending);
        return Task.FromResult(result);
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

    private static DateTimeOffset Minute(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds() / 60_000 * 60_000);

    /// <summary>
    /// Counts and a latency histogram of one webhook: log-spaced buckets 5% wide from 0.1 ms, so
    /// the p95 is within 5% of the true value in constant memory however many attempts there are.
    /// </summary>
    private sealed class Accumulator
    {
        private const double Base = 0.1;
        private const double Ratio = 1.05;
        private static readonly double LogRatio = Math.Log(Ratio);
        private readonly Dictionary<int, int> _buckets = [];
        private int _attempts;
        private int _succeeded;
        private double _totalMs;

        public void Add(bool succeeded, double durationMs)
        {
            _attempts++;
            _succeeded += succeeded ? 1 : 0;
            _totalMs += durationMs;
            var bucket = durationMs <= Base ? 0 : (int)Math.Ceiling(Math.Log(durationMs / Base) / LogRatio);
            _buckets[bucket] = _buckets.GetValueOrDefault(bucket) + 1;
        }

        public WebhookAttemptStats ToStats(string webhookId)
        {
            if (_attempts == 0)
            {
                return new WebhookAttemptStats(webhookId, 0, 0, null, null);
            }

            var rank = (int)Math.Ceiling(0.95 * _attempts);
            var seen = 0;
            var p95 = 0.0;
            foreach (var (bucket, count) in _buckets.OrderBy(b => b.Key))
            {
                seen += count;
                if (seen >= rank)
                {
                    p95 = Base * Math.Pow(Ratio, bucket);
                    break;
                }
            }

            return new WebhookAttemptStats(webhookId, _attempts, _succeeded, Math.Round(p95, 1), Math.Round(_totalMs / _attempts, 1));
        }
    }
}
