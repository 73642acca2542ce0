using System.Text.Json;
using Herald.Core.Deliveries;

namespace Herald.Storage.Sqlite;

internal sealed class SqliteEventStore(SqliteWriter writer, SqliteStoreChanges changes, SqliteLeases leases) : IEventStore, IIngestHandOff
{
    public Task<IngestResult> IngestAsync(IngestBatch batch, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(session => Ingest(session, leases, batch, handOff: null), cancellationToken),
        result => !result.Replayed && batch.Deliveries.Count > 0 ? StoreChange.Any(StoreChangeKind.DueWork) : null);

    public async Task<HandOffResult> IngestAsync(IngestBatch batch, HandOffRequest handOff, CancellationToken cancellationToken)
    {
        var leased = new List<NewDelivery>();
        var leaseUntil = UnixTime.ToMs(batch.Now) + (long)handOff.Lease.TotalMilliseconds;
        try
        {
            var result = await changes.AfterAsync(
                writer.ExecuteAsync(session => Ingest(session, leases, batch, (handOff, leased, leaseUntil)), cancellationToken),
                result => !result.Replayed && batch.Deliveries.Count > leased.Count ? StoreChange.Any(StoreChangeKind.DueWork) : null);
            return new HandOffResult(result, leased, UnixTime.FromMs(leaseUntil));
        }
        catch (Exception) when (leased.Count > 0)
        {
            // Nothing was stored: forget the leases taken for rows that do not exist.
            _ = writer.ExecuteAsync(
                session =>
                {
                    foreach (var delivery in leased)
                    {
                        leases.Remove(delivery.Id, out _);
                    }

                    return true;
                },
                CancellationToken.None,
                durable: false);
            throw;
        }
    }

    /// <summary>
    /// Stores a batch. With <paramref name="handOff"/>, fresh deliveries its lanes have room for are
    /// leased in memory here, in the same writer request, so no claim can see them unleased; the
    /// caller sends them once the commit is durable (a failed commit fails the whole request).
    /// </summary>
    internal static IngestResult Ingest(SqliteSession session, SqliteLeases leases, IngestBatch batch, (HandOffRequest Request, List<NewDelivery> Leased, long Until)? handOff)
    {
        var now = UnixTime.ToMs(batch.Now);
        var ids = new string[batch.Events.Count];
        for (var i = 0; i < batch.Events.Count; i++)
        {
            ids[i] = batch.Events[i].Id;
        }

        // The key is claimed first, by an insert that conflicts: of two publishes racing with the
        // same key exactly one inserts it (whatever the isolation), and the other reads the
        // winner's ids and stores nothing.
        if (batch.IdempotencyKey is not null)
        {
            var scope = batch.IdempotencyScope ?? string.Empty;
            if (session.Execute(
                "INSERT INTO idempotency_keys (scope, key, event_ids, created_at) VALUES ($0, $1, $2, $3) ON CONFLICT (scope, key) DO NOTHING",
                scope, batch.IdempotencyKey, JsonSerializer.Serialize(ids), now) == 0)
            {
                var seen = session.Scalar("SELECT event_ids FROM idempotency_keys WHERE scope = $0 AND key = $1", scope, batch.IdempotencyKey) as string;
                return new IngestResult(seen is null ? [] : JsonSerializer.Deserialize<string[]>(seen) ?? [], Replayed: true);
            }
        }

        for (var i = 0; i < batch.Events.Count; i++)
        {
            var stored = batch.Events[i];
            var e = stored.Event;
            session.Execute(
                "INSERT INTO events (id, domain_id, event_type, realm, operation, object_id, body, received_at, trace_parent, trace_state) VALUES ($0, $1, $2, $3, $4, $5, $6, $7, $8, $9)",
                stored.Id, e.DomainId, e.EventType, e.Realm, e.Operation, e.ObjectId, e.Body, UnixTime.ToMs(stored.ReceivedAt), stored.TraceParent, stored.TraceState);
        }

        // A webhook paused since the caller matched holds its new deliveries at once. One disabled
        // since then gets none: the caller matched on a snapshot that may lag the store by a
        // moment, and a DISABLED webhook matches nothing published after it was disabled. Each
        // webhook's status is read once per batch (a fan-out batch holds many deliveries per
        // webhook), not once per delivery.
        var held = new Dictionary<string, long?>(StringComparer.Ordinal);
        var rooms = new Dictionary<string, int>(StringComparer.Ordinal);
        Dictionary<string, int>? fresh = null;
        foreach (var delivery in batch.Deliveries)
        {
            if (!held.TryGetValue(delivery.WebhookId, out var flag))
            {
                flag = session.Scalar("SELECT status FROM webhooks WHERE id = $0", delivery.WebhookId) switch
                {
                    "DISABLED" => null,
                    "ENABLED" or "FAILING" => 0,
                    _ => 1, // paused, or not (or no longer) there: stored, but held
                };
                held[delivery.WebhookId] = flag;
            }

            if (flag is not { } value)
            {
                continue;
            }

            var due = UnixTime.ToMs(delivery.NextAttemptAt);
            if (value == 0 && handOff is var (request, leased, until))
            {
                // Ordered deliveries never skip the claim: it alone knows what waits on an earlier one.
                var room = delivery.Ordered || due > now ? 0 : rooms.TryGetValue(delivery.WebhookId, out var left) ? left : request.Room(delivery.WebhookId, (fresh ??= Fresh(batch, now))[delivery.WebhookId]);
                if (room > 0)
                {
                    leases.Add(new SqliteLease(delivery.Id, delivery.WebhookId, request.Owner, until, delivery.ObjectId, Ordered: false));
                    leased.Add(delivery);
                }

                if (!delivery.Ordered && due <= now)
                {
                    rooms[delivery.WebhookId] = Math.Max(0, room - 1);
                }

                if (room <= 0)
                {
                    leases.Lower(delivery.WebhookId, due);
                }
            }
            else if (value == 0)
            {
                leases.Lower(delivery.WebhookId, due);
            }

            session.Execute(
                """
                INSERT INTO deliveries (id, webhook_id, event_id, object_id, domain_id, status, held, attempt_count, next_attempt_at, lease_until, created_at, updated_at, ordered)
                VALUES ($0, $1, $2, $3, $4, 0, $5, 0, $6, 0, $7, $7, $8)
                """,
                delivery.Id, delivery.WebhookId, delivery.EventId, delivery.ObjectId, delivery.DomainId, value, due, now, delivery.Ordered ? 1 : 0);
        }

        return new IngestResult(ids, Replayed: false);
    }

    /// <summary>Per webhook, how many deliveries of the batch could be handed off (due now, not ordered).</summary>
    private static Dictionary<string, int> Fresh(IngestBatch batch, long now)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var delivery in batch.Deliveries)
        {
            if (!delivery.Ordered && UnixTime.ToMs(delivery.NextAttemptAt) <= now)
            {
                counts[delivery.WebhookId] = counts.GetValueOrDefault(delivery.WebhookId) + 1;
            }
        }

        return counts;
    }
}
