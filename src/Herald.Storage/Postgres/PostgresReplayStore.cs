using Herald.Core.Events;
using Herald.Storage.Sqlite;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Replay jobs. A chunk commits in one transaction with the job's progress, under a lock on the
/// job's row taken only while the job still runs at the cursor the chunk was read from: of several
/// workers (nodes) committing the same chunk one wins, the others find the cursor moved on.
/// </summary>
internal sealed class PostgresReplayStore(PostgresDatabase database, PostgresStoreChanges changes) : IReplayStore
{
    private const string Columns =
        "id, webhook_id, domain_id, since, until, only_failed, status, cursor, events_scanned, deliveries_created, created_at, modified_at";

    // The ingest rules for replayed deliveries (as PostgresEventStore's): each webhook's status read
    // once under a share lock taken in id order (a status change waits for this commit, or this for
    // it); a webhook paused (or gone) holds them, a disabled one gets none; publish order is seq.
    // Each event is locked against retention's delete while its deliveries are created (a retention
    // sweep that took it first has deleted it, and its deliveries are skipped).
    private const string InsertDeliveries =
        """
        WITH w AS (SELECT id, status FROM webhooks WHERE id = ANY($2::text[]) ORDER BY id FOR SHARE)
        INSERT INTO deliveries (id, webhook_id, event_id, object_id, domain_id, status, held, attempt_count, next_attempt_at, lease_until, created_at, updated_at, ordered)
        SELECT n.id, n.webhook_id, n.event_id, n.object_id, n.domain_id, 0, CASE WHEN w.status IN ('ENABLED', 'FAILING') THEN 0 ELSE 1 END,
            0, n.due, 0, $8, $8, n.ordered
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::integer[]) WITH ORDINALITY
            AS n(id, webhook_id, event_id, object_id, domain_id, due, ordered, ord)
        LEFT JOIN w ON w.id = n.webhook_id
        WHERE w.status IS DISTINCT FROM 'DISABLED'
          AND EXISTS (SELECT 1 FROM events e WHERE e.id = n.event_id FOR KEY SHARE)
        ORDER BY n.ord
        """;

    public Task InsertAsync(ReplayJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return database.ExecuteAsync(
            "INSERT INTO replay_jobs (" + Columns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            cancellationToken,
            job.Id, job.WebhookId, job.DomainId, UnixTime.ToMs(job.Since), UnixTime.ToMs(job.Until), job.OnlyFailed ? 1 : 0,
            job.Status.ToWire(), job.Cursor, job.EventsScanned, job.DeliveriesCreated, UnixTime.ToMs(job.CreatedAt), UnixTime.ToMs(job.ModifiedAt));
    }

    public async Task<ReplayJob?> GetAsync(string id, string? domainId, CancellationToken cancellationToken)
    {
        var jobs = await database.QueryAsync(
            "SELECT " + Columns + " FROM replay_jobs WHERE id = $1 AND ($2::text IS NULL OR domain_id = $2::text)", Read, cancellationToken, id, domainId).ConfigureAwait(false);
        return jobs.Count == 0 ? null : jobs[0];
    }

    public async Task<IReadOnlyList<ReplayJob>> ListRunningAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT " + Columns + " FROM replay_jobs WHERE status = 'running' ORDER BY created_at, id", Read, cancellationToken).ConfigureAwait(false);

    public async Task<ReplayJob?> CancelAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
            "UPDATE replay_jobs SET status = 'cancelled', modified_at = $3 WHERE id = $1 AND ($2::text IS NULL OR domain_id = $2::text) AND status = 'running'",
            id, domainId, UnixTime.ToMs(now)));
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
            "SELECT " + Columns + " FROM replay_jobs WHERE id = $1 AND ($2::text IS NULL OR domain_id = $2::text)", id, domainId));
        // Npgsql's reader passes over statements that return no rows: it starts at the SELECT.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(ReplayJob job, string eventType, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);

        // The primary key is time-ordered (TimeOrderedIds): the range is an index range, and the
        // received_at test keeps the result exact.
        return await database.QueryAsync(
            """
            SELECT id, domain_id, event_type, realm, operation, object_id, body, received_at FROM events
            WHERE id > $1 AND id < $2 AND received_at >= $3 AND received_at < $4 AND event_type = $5
            ORDER BY id LIMIT $6
            """,
            r => new StoredEvent(
                r.GetString(0),
                new PublishedEvent(
                    r.GetString(2),
                    r.GetString(4),
                    r.IsDBNull(3) ? null : r.GetString(3),
                    r.IsDBNull(5) ? null : r.GetString(5),
                    r.IsDBNull(1) ? null : r.GetString(1),
                    RequestId: null,
                    r.GetFieldValue<byte[]>(6)),
                UnixTime.FromMs(r.GetInt64(7))),
            cancellationToken,
            job.Cursor ?? TimeOrderedIds.LowerBound(job.Since), TimeOrderedIds.LowerBound(job.Until),
            UnixTime.ToMs(job.Since), UnixTime.ToMs(job.Until), eventType, max).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ReadFailedAsync(ReplayJob job, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return await database.QueryAsync(
            """
            SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id
            WHERE d.webhook_id = $1 AND d.status = 2 AND d.id > $2 AND e.received_at >= $3 AND e.received_at < $4
            ORDER BY d.id LIMIT $5
            """,
            r => r.GetString(0),
            cancellationToken,
            job.WebhookId, job.Cursor ?? string.Empty, UnixTime.ToMs(job.Since), UnixTime.ToMs(job.Until), max).ConfigureAwait(false);
    }

    public Task<ReplayJob?> CommitChunkAsync(ReplayChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return changes.AfterAsync(
            PostgresRetry.OnConflictAsync(() => CommitAsync(chunk, cancellationToken), cancellationToken),
            after => after is not null && (chunk.Deliveries.Count > 0 || chunk.Requeue.Count > 0) ? StoreChange.Any(StoreChangeKind.DueWork) : null);
    }

    private async Task<ReplayJob?> CommitAsync(ReplayChunk chunk, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var claim = PostgresDatabase.Command(
            connection,
            "SELECT 1 FROM replay_jobs WHERE id = $1 AND status = 'running' AND cursor IS NOT DISTINCT FROM $2::text FOR UPDATE",
            chunk.JobId, chunk.ExpectedCursor))
        {
            claim.Transaction = transaction;
            if (await claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }
        }

        var nowMs = UnixTime.ToMs(chunk.Now);
        var deliveries = chunk.Deliveries;
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (deliveries.Count > 0)
        {
            batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
                InsertDeliveries,
                deliveries.Select(d => d.Id).ToArray(),
                deliveries.Select(d => d.WebhookId).ToArray(),
                deliveries.Select(d => d.EventId).ToArray(),
                deliveries.Select(d => d.ObjectId).ToArray(),
                deliveries.Select(d => d.DomainId).ToArray(),
                deliveries.Select(d => UnixTime.ToMs(d.NextAttemptAt)).ToArray(),
                deliveries.Select(d => d.Ordered ? 1 : 0).ToArray(),
                nowMs));
        }

        // Counted as SQLite counts them: every delivery the chunk brought, plus each failed one put back.
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
            """
            WITH requeued AS (
                UPDATE deliveries SET status = 0, next_attempt_at = $2, lease_until = 0, lease_owner = NULL, updated_at = $2,
                    held = COALESCE((SELECT CASE WHEN w.status IN ('ENABLED', 'FAILING') THEN 0 ELSE 1 END FROM webhooks w WHERE w.id = deliveries.webhook_id), 1)
                WHERE id = ANY($1::text[]) AND status = 2
                RETURNING id
            )
            UPDATE replay_jobs SET cursor = COALESCE($4::text, cursor), events_scanned = events_scanned + $5,
                deliveries_created = deliveries_created + $6 + (SELECT count(*) FROM requeued), status = $7, modified_at = $2
            WHERE id = $3
            RETURNING
            """ + " " + Columns,
            chunk.Requeue.ToArray(), nowMs, chunk.JobId, chunk.NewCursor, (long)chunk.Scanned, (long)deliveries.Count, chunk.Last ? "completed" : "running"));
        if (deliveries.Count > 0 || chunk.Requeue.Count > 0)
        {
            batch.BatchCommands.Add(changes.Notify(StoreChangeKind.DueWork, null));
        }

        ReplayJob? after = null;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            // The insert returns no rows, so the reader starts at the job's row.
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                after = Read(reader);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return after;
    }

    private static ReplayJob Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        UnixTime.FromMs(reader.GetInt64(3)),
        UnixTime.FromMs(reader.GetInt64(4)),
        reader.GetInt32(5) != 0,
        ReplayJobStatusNames.TryParse(reader.GetString(6), out var status) ? status : ReplayJobStatus.Cancelled,
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.GetInt64(8),
        reader.GetInt64(9),
        UnixTime.FromMs(reader.GetInt64(10)),
        UnixTime.FromMs(reader.GetInt64(11)));
}
