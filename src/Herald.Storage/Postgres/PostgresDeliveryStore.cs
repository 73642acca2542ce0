using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Storage.Sqlite;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Deliveries on PostgreSQL, shared by every node: claims lease rows with <c>FOR UPDATE SKIP LOCKED</c>
/// in one statement, completions move rows only under the lease they name (<see cref="CompleteAsync"/>,
/// in PostgresDeliveryStore.Complete.cs). Times are the ones passed in, which come from the
/// database's clock (<see cref="PostgresClock"/> is the registered <see cref="TimeProvider"/>).
/// </summary>
internal sealed partial class PostgresDeliveryStore(PostgresDatabase database, PostgresStoreChanges changes) : IDeliveryStore
{
    // While an attempt is in flight (leased), the stored next_attempt_at is the lease's end, when
    // the delivery would be due again if the attempt never reported back; the view shows no time.
    internal const string ViewColumns =
        "id, webhook_id, event_id, object_id, domain_id, status, attempt_count, CASE WHEN lease_owner IS NULL THEN next_attempt_at END, created_at, updated_at, last_status_code, last_error";

    public async Task<ClaimResult> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var nowMs = UnixTime.ToMs(request.Now);
        var leaseUntil = nowMs + (long)request.Lease.TotalMilliseconds;
        var partitions = request.Partitions?.ToArray();
        var listed = new string[request.Capacity.Count];
        var capacities = new int[request.Capacity.Count];
        var i = 0;
        foreach (var (webhookId, capacity) in request.Capacity)
        {
            listed[i] = webhookId;
            capacities[i++] = capacity;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        if (request.Max > 0)
        {
            batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
                PostgresDeliveryClaims.Claim, request.Owner, nowMs, leaseUntil, request.Max, listed, capacities, request.DefaultCapacity, partitions));
        }

        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(PostgresDeliveryClaims.NextDue, nowMs, partitions));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var claimed = new List<ClaimedDelivery>();
        if (request.Max > 0)
        {
            var bodies = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var until = UnixTime.FromMs(leaseUntil);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var eventId = reader.GetString(2);
                if (!reader.IsDBNull(8))
                {
                    bodies[eventId] = reader.GetFieldValue<byte[]>(8);
                }

                claimed.Add(new ClaimedDelivery(
                    reader.GetString(0),
                    reader.GetString(1),
                    eventId,
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetInt32(4),
                    EventNames.Format(reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7)),
                    bodies[eventId],
                    until,
                    reader.IsDBNull(9) ? null : reader.GetString(9),
                    reader.IsDBNull(10) ? null : reader.GetString(10)));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        DateTimeOffset? next = null;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
        {
            next = UnixTime.FromMs(reader.GetInt64(0));
        }

        return new ClaimResult(claimed, next);
    }

    public Task ReleaseAsync(string owner, IReadOnlyList<ClaimedDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0)
        {
            return Task.CompletedTask;
        }

        var ids = new string[deliveries.Count];
        var leases = new long[deliveries.Count];
        for (var i = 0; i < deliveries.Count; i++)
        {
            ids[i] = deliveries[i].Id;
            leases[i] = UnixTime.ToMs(deliveries[i].LeaseUntil);
        }

        // Only the lease each was claimed with goes back: one claimed again since keeps its newer lease.
        return changes.AfterAsync(
            PostgresRetry.OnConflictAsync(
                async () =>
                {
                    await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await using var batch = new NpgsqlBatch(connection);
                    batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
                        """
                        UPDATE deliveries d SET lease_owner = NULL, lease_until = 0, next_attempt_at = $2
                        FROM unnest($3::text[], $4::bigint[]) AS r(id, lease)
                        WHERE d.id = r.id AND d.lease_owner = $1 AND d.lease_until = r.lease AND d.status = 0
                        """,
                        owner, UnixTime.ToMs(now), ids, leases));
                    batch.BatchCommands.Add(changes.Notify(StoreChangeKind.DueWork, null));
                    return await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                },
                cancellationToken),
            _ => StoreChange.Any(StoreChangeKind.DueWork));
    }

    // Several nodes share the database: a lease found at start may belong to a live node with its
    // attempt in flight, so none is given back here; each is due again when it runs out. (Taking over
    // the leases of a node known to be dead is the cluster's part, not this call's.)
    public Task<int> RecoverLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken) => Task.FromResult(0);

    public async Task<DeliveryView?> GetAsync(string id, string? domainId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
            "SELECT " + ViewColumns + " FROM deliveries WHERE id = $1 AND ($2::text IS NULL OR domain_id = $2::text)", id, domainId));
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
            "SELECT number, started_at, status_code, duration_ms, error, response_body FROM attempts WHERE delivery_id = $1 ORDER BY number", id));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var view = ReadView(reader);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var attempts = new List<AttemptView>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            attempts.Add(new AttemptView(
                reader.GetInt32(0),
                UnixTime.FromMs(reader.GetInt64(1)),
                reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return view with { Attempts = attempts };
    }

    public async Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);

        // Only the filters given become conditions (fixed fragments, values always parameters), so
        // each combination gets its own plan: a webhook's list walks (webhook_id, id), an object's
        // (object_id), the rest the primary key backwards.
        var conditions = new List<string>(5);
        var values = new List<object?>(6);
        void Add(string column, string op, object? value)
        {
            if (value is not null)
            {
                values.Add(value);
                conditions.Add($"{column} {op} ${values.Count}");
            }
        }

        Add("domain_id", "=", filter.DomainId);
        Add("webhook_id", "=", filter.WebhookId);
        Add("status", "=", filter.Status is { } status ? (int)status : null);
        Add("object_id", "=", filter.ObjectId);
        Add("id", "<", filter.Page.Cursor);
        values.Add(filter.Page.Limit + 1);
        var sql = "SELECT " + ViewColumns + " FROM deliveries"
            + (conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : string.Empty)
            + $" ORDER BY id DESC LIMIT ${values.Count}";
        var items = await database.QueryAsync(sql, ReadView, cancellationToken, [.. values]).ConfigureAwait(false);
        return Paging.Cut(items, filter.Page.Limit, d => d.Id);
    }

    public Task<DeliveryView?> RetryAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        PostgresRetry.OnConflictAsync(
            async () =>
            {
                // Held unless its webhook sends now (a paused, disabled or deleted one holds it); the
                // notice goes out with the row, so other nodes hear of it only when it changed.
                var rows = await database.QueryAsync(
                    """
                    WITH retried AS (
                        UPDATE deliveries SET status = 0, next_attempt_at = $3, lease_until = 0, lease_owner = NULL, updated_at = $3,
                            held = COALESCE((SELECT CASE WHEN w.status IN ('ENABLED', 'FAILING') THEN 0 ELSE 1 END FROM webhooks w WHERE w.id = deliveries.webhook_id), 1)
                        WHERE id = $1 AND ($2::text IS NULL OR domain_id = $2::text) AND (status <> 0 OR lease_until <= $3)
                        RETURNING *
                    )
                    SELECT
                    """ + " " + ViewColumns + ", pg_notify($4, $5) FROM retried",
                    ReadView,
                    cancellationToken,
                    id, domainId, UnixTime.ToMs(now), changes.Channel, changes.Payload(StoreChangeKind.DueWork, null)).ConfigureAwait(false);
                return rows.Count == 0 ? null : rows[0];
            },
            cancellationToken),
        retried => retried is null ? null : StoreChange.Any(StoreChangeKind.DueWork));

    private static DeliveryView ReadView(NpgsqlDataReader reader) => SqliteDeliveryStore.ReadView(reader, null);
}
