using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Herald.Storage.Sqlite;

namespace Herald.Storage.Postgres;

/// <summary>
/// Ingest as one statement, so one round trip and one implicit transaction whatever the batch's
/// size: the idempotency key, every event and every delivery go in as arrays (<c>unnest</c>), not a
/// statement per row.
/// </summary>
internal sealed class PostgresEventStore(PostgresDatabase database, PostgresStoreChanges changes) : IEventStore
{
    public Task<IngestResult> IngestAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return changes.AfterAsync(
            IngestCoreAsync(batch, cancellationToken),
            result => !result.Replayed && batch.Deliveries.Count > 0 ? StoreChange.Any(StoreChangeKind.DueWork) : null);
    }

    private async Task<IngestResult> IngestCoreAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        var ids = new string[batch.Events.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = batch.Events[i].Id;
        }

        var values = new List<object?>();
        string Bind(object? value)
        {
            values.Add(value);
            return "$" + values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var now = Bind(UnixTime.ToMs(batch.Now));
        var sql = new StringBuilder("WITH ");

        // The key is claimed by an insert that conflicts: of two publishes racing with one key,
        // exactly one inserts it (the other waits for its commit, then inserts nothing); every
        // other part of the statement is conditional on it.
        var scope = batch.IdempotencyScope ?? string.Empty;
        sql.Append(batch.IdempotencyKey is null
            ? "k AS (SELECT 1)"
            : $"k AS (INSERT INTO idempotency_keys (scope, key, event_ids, created_at) VALUES ({Bind(scope)}, {Bind(batch.IdempotencyKey)}, {Bind(JsonSerializer.Serialize(ids))}, {now}) ON CONFLICT (scope, key) DO NOTHING RETURNING 1)");

        if (batch.Events.Count > 0)
        {
            var events = batch.Events;
            sql.Append(
                $"""
                ,
                e AS (
                    INSERT INTO events (id, domain_id, event_type, realm, operation, object_id, body, received_at, trace_parent, trace_state)
                    SELECT * FROM unnest({Bind(ids)}::text[], {Bind(events.Select(x => x.Event.DomainId).ToArray())}::text[], {Bind(events.Select(x => x.Event.EventType).ToArray())}::text[],
                        {Bind(events.Select(x => x.Event.Realm).ToArray())}::text[], {Bind(events.Select(x => x.Event.Operation).ToArray())}::text[], {Bind(events.Select(x => x.Event.ObjectId).ToArray())}::text[],
                        {Bind(events.Select(x => Bytes(x.Event.Body)).ToArray())}::bytea[], {Bind(events.Select(x => UnixTime.ToMs(x.ReceivedAt)).ToArray())}::bigint[],
                        {Bind(events.Select(x => x.TraceParent).ToArray())}::text[], {Bind(events.Select(x => x.TraceState).ToArray())}::text[])
                    WHERE EXISTS (SELECT 1 FROM k))
                """);
        }

        var deliveries = batch.Deliveries;
        if (deliveries.Count > 0)
        {
            // Each webhook's status is read once, under a share lock taken in id order: a status
            // change waits for this commit (and then sees these deliveries when it holds or
            // releases pending ones), or this waits for it and reads the new status. A webhook
            // paused since the caller matched holds its new deliveries; one disabled since then
            // gets none; one that is gone stores them held. Rows go in publish order (seq).
            var webhooks = deliveries.Select(d => d.WebhookId).Distinct(StringComparer.Ordinal).ToArray();
            sql.Append(
                $"""
                ,
                w AS (SELECT id, status FROM webhooks WHERE id = ANY({Bind(webhooks)}::text[]) ORDER BY id FOR SHARE),
                d AS (
                    INSERT INTO deliveries (id, webhook_id, event_id, object_id, domain_id, status, held, attempt_count, next_attempt_at, lease_until, created_at, updated_at, ordered)
                    SELECT n.id, n.webhook_id, n.event_id, n.object_id, n.domain_id, 0, CASE WHEN w.status IN ('ENABLED', 'FAILING') THEN 0 ELSE 1 END, 0, n.due, 0, {now}, {now}, n.ordered
                      FROM unnest({Bind(deliveries.Select(x => x.Id).ToArray())}::text[], {Bind(deliveries.Select(x => x.WebhookId).ToArray())}::text[],
                          {Bind(deliveries.Select(x => x.EventId).ToArray())}::text[], {Bind(deliveries.Select(x => x.ObjectId).ToArray())}::text[],
                          {Bind(deliveries.Select(x => x.DomainId).ToArray())}::text[], {Bind(deliveries.Select(x => UnixTime.ToMs(x.NextAttemptAt)).ToArray())}::bigint[],
                          {Bind(deliveries.Select(x => x.Ordered ? 1 : 0).ToArray())}::integer[])
                           WITH ORDINALITY AS n (id, webhook_id, event_id, object_id, domain_id, due, ordered, position)
                      LEFT JOIN w ON w.id = n.webhook_id
                     WHERE EXISTS (SELECT 1 FROM k) AND w.status IS DISTINCT FROM 'DISABLED'
                     ORDER BY n.position)
                """);
            sql.Append(
                $"""

                SELECT EXISTS (SELECT 1 FROM k), (SELECT COUNT(*) FROM (SELECT pg_notify('{changes.Channel}', {Bind(changes.Payload(StoreChangeKind.DueWork, null))}) FROM k) AS notified)
                """);
        }
        else
        {
            sql.Append("\nSELECT EXISTS (SELECT 1 FROM k), 0");
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        bool stored;
        await using (var command = PostgresDatabase.Command(connection, sql.ToString(), [.. values]))
        {
            stored = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        if (stored)
        {
            return new IngestResult(ids, Replayed: false);
        }

        await using var read = PostgresDatabase.Command(connection, "SELECT event_ids FROM idempotency_keys WHERE scope = $1 AND key = $2", scope, batch.IdempotencyKey);
        var seen = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        return new IngestResult(seen is null ? [] : JsonSerializer.Deserialize<string[]>(seen) ?? [], Replayed: true);
    }

    private static byte[] Bytes(ReadOnlyMemory<byte> body) =>
        MemoryMarshal.TryGetArray(body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : body.ToArray();
}
