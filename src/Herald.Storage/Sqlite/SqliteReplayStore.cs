using Herald.Core.Events;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Replay jobs. Chunks are read on a pooled read connection (WAL lets that run beside the writer) and
/// committed through the writer together with the job's cursor, so a restart resumes exactly after
/// the last committed chunk: no event is skipped and none is replayed twice.
/// </summary>
internal sealed class SqliteReplayStore(SqliteDatabase database, SqliteWriter writer, SqliteStoreChanges changes, SqliteLeases leases) : IReplayStore
{
    private const string Columns =
        "id, webhook_id, domain_id, since, until, only_failed, status, cursor, events_scanned, deliveries_created, created_at, modified_at";

    public Task InsertAsync(ReplayJob job, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(
            session => session.Execute(
                "INSERT INTO replay_jobs (" + Columns + ") VALUES ($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                job.Id, job.WebhookId, job.DomainId, UnixTime.ToMs(job.Since), UnixTime.ToMs(job.Until), job.OnlyFailed ? 1 : 0,
                job.Status.ToWire(), job.Cursor, job.EventsScanned, job.DeliveriesCreated, UnixTime.ToMs(job.CreatedAt), UnixTime.ToMs(job.ModifiedAt)),
            cancellationToken);

    public Task<ReplayJob?> GetAsync(string id, string? domainId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        return Task.FromResult(Get(session, id, domainId));
    }

    public Task<IReadOnlyList<ReplayJob>> ListRunningAsync(CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query("SELECT " + Columns + " FROM replay_jobs WHERE status = 'running' ORDER BY created_at, id");
        var jobs = new List<ReplayJob>();
        while (reader.Read())
        {
            jobs.Add(Read(reader));
        }

        return Task.FromResult<IReadOnlyList<ReplayJob>>(jobs);
    }

    public Task<ReplayJob?> CancelAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(
            session =>
            {
                session.Execute(
                    "UPDATE replay_jobs SET status = 'cancelled', modified_at = $2 WHERE id = $0 AND ($1 IS NULL OR domain_id = $1) AND status = 'running'",
                    id, domainId, UnixTime.ToMs(now));
                return Get(session, id, domainId);
            },
            cancellationToken);

    public Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(ReplayJob job, string eventType, int max, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        // The primary key is time-ordered (TimeOrderedIds): the range is an index range, and the
        // received_at test keeps the result exact.
        using var reader = session.Query(
            """
            SELECT id, domain_id, event_type, realm, operation, object_id, body, received_at FROM events
            WHERE id > $0 AND id < $1 AND received_at >= $2 AND received_at < $3 AND event_type = $4
            ORDER BY id LIMIT $5
            """,
            job.Cursor ?? TimeOrderedIds.LowerBound(job.Since), TimeOrderedIds.LowerBound(job.Until),
            UnixTime.ToMs(job.Since), UnixTime.ToMs(job.Until), eventType, max);
        var events = new List<StoredEvent>();
        while (reader.Read())
        {
            var published = new PublishedEvent(
                reader.GetString(2),
                reader.GetString(4),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                RequestId: null,
                (byte[])reader.GetValue(6));
            events.Add(new StoredEvent(reader.GetString(0), published, UnixTime.FromMs(reader.GetInt64(7))));
        }

        return Task.FromResult<IReadOnlyList<StoredEvent>>(events);
    }

    public Task<IReadOnlyList<string>> ReadFailedAsync(ReplayJob job, int max, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query(
            """
            SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id
            WHERE d.webhook_id = $0 AND d.status = 2 AND d.id > $1 AND e.received_at >= $2 AND e.received_at < $3
            ORDER BY d.id LIMIT $4
            """,
            job.WebhookId, job.Cursor ?? string.Empty, UnixTime.ToMs(job.Since), UnixTime.ToMs(job.Until), max);
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return Task.FromResult<IReadOnlyList<string>>(ids);
    }

    public Task<ReplayJob?> CommitChunkAsync(ReplayChunk chunk, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(session => Commit(session, chunk), cancellationToken),
        after => after is not null && (chunk.Deliveries.Count > 0 || chunk.Requeue.Count > 0) ? StoreChange.Any(StoreChangeKind.DueWork) : null);

    private ReplayJob? Commit(SqliteSession session, ReplayChunk chunk)
    {
        var current = session.Scalar("SELECT 1 FROM replay_jobs WHERE id = $0 AND status = 'running' AND cursor IS $1", chunk.JobId, chunk.ExpectedCursor);
        if (current is null)
        {
            return null;
        }

        var nowMs = UnixTime.ToMs(chunk.Now);
        var created = chunk.Deliveries.Count;
        if (created > 0)
        {
            // The ingest path itself: replayed deliveries are held exactly like fresh ones when
            // their webhook is paused or disabled.
            SqliteEventStore.Ingest(session, leases, new IngestBatch([], chunk.Deliveries, null, null, chunk.Now), handOff: null);
        }

        foreach (var id in chunk.Requeue)
        {
            using var reader = session.Query(
                """
                UPDATE deliveries SET status = 0, next_attempt_at = $1, lease_until = 0, lease_owner = NULL, updated_at = $1,
                    held = COALESCE((SELECT status NOT IN ('ENABLED', 'FAILING') FROM webhooks WHERE webhooks.id = deliveries.webhook_id), 1)
                WHERE id = $0 AND status = 2
                RETURNING webhook_id
                """,
                id, nowMs);
            while (reader.Read())
            {
                created++;
                leases.Lower(reader.GetString(0), nowMs);
            }
        }

        session.Execute(
            """
            UPDATE replay_jobs SET cursor = COALESCE($1, cursor), events_scanned = events_scanned + $2,
                deliveries_created = deliveries_created + $3, status = $4, modified_at = $5
            WHERE id = $0
            """,
            chunk.JobId, chunk.NewCursor, chunk.Scanned, created, chunk.Last ? "completed" : "running", nowMs);
        return Get(session, chunk.JobId, null);
    }

    private static ReplayJob? Get(SqliteSession session, string id, string? domainId)
    {
        using var reader = session.Query("SELECT " + Columns + " FROM replay_jobs WHERE id = $0 AND ($1 IS NULL OR domain_id = $1)", id, domainId);
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>A replay job from the columns of <c>Columns</c>, in order; PostgreSQL reads its rows with it too.</summary>
    internal static ReplayJob Read(System.Data.Common.DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        UnixTime.FromMs(reader.GetInt64(3)),
        UnixTime.FromMs(reader.GetInt64(4)),
        Convert.ToInt64(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture) != 0,
        ReplayJobStatusNames.TryParse(reader.GetString(6), out var status) ? status : ReplayJobStatus.Cancelled,
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.GetInt64(8),
        reader.GetInt64(9),
        UnixTime.FromMs(reader.GetInt64(10)),
        UnixTime.FromMs(reader.GetInt64(11)));
}
