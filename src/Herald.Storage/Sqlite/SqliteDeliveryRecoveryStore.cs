namespace Herald.Storage.Sqlite;

/// <summary>
/// Cancel and bulk retry. Bulk changes go through the writer in batches of <see cref="BatchSize"/>,
/// each its own request, so a webhook with a huge backlog never holds the writer (and so delivery)
/// for long.
/// </summary>
internal sealed class SqliteDeliveryRecoveryStore(SqliteWriter writer, SqliteStoreChanges changes, SqliteLeases leases) : IDeliveryRecoveryStore
{
    internal const int BatchSize = 1000;

    public Task<CancelOutcome> CancelAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(
            session =>
            {
                var status = session.Scalar("SELECT status FROM deliveries WHERE id = $0 AND ($1 IS NULL OR domain_id = $1)", id, domainId);
                if (status is null)
                {
                    return CancelOutcome.NotFound;
                }

                if (Convert.ToInt32(status, System.Globalization.CultureInfo.InvariantCulture) != 0)
                {
                    return CancelOutcome.NotPending;
                }

                // The lease is remembered: an attempt in flight completes only a pending delivery, so it
                // can no longer bring this one back, but its record still names this lease and so
                // is kept in the delivery's history (the request was sent).
                session.Execute(
                    "UPDATE deliveries SET status = 3, next_attempt_at = NULL, lease_owner = NULL, updated_at = $1 WHERE id = $0",
                    id, UnixTime.ToMs(now));
                leases.CancelInFlight(id);

                // An ordered delivery cancelled releases the next one of its object: look again.
                if (session.Scalar("SELECT webhook_id FROM deliveries WHERE id = $0 AND ordered = 1", id) is string webhookId)
                {
                    leases.Lower(webhookId, long.MinValue);
                }

                return CancelOutcome.Cancelled;
            },
            cancellationToken);

    public async Task<int> CancelPendingAsync(string webhookId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = UnixTime.ToMs(now);
        var total = 0;
        int changed;
        do
        {
            // created_at <= now bounds the set: deliveries published while this runs are left alone,
            // so a busy webhook can't keep the loop going.
            changed = await writer.ExecuteAsync(
                session =>
                {
                    var cancelled = session.Execute(
                        """
                        UPDATE deliveries SET status = 3, next_attempt_at = NULL, lease_owner = NULL, updated_at = $1
                        WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = $0 AND status = 0 AND created_at <= $1 LIMIT $2)
                        """,
                        webhookId, nowMs, BatchSize);
                    CancelledInFlight(session, leases, webhookId);
                    leases.Lower(webhookId, long.MinValue);
                    return cancelled;
                },
                cancellationToken);
            total += changed;
        }
        while (changed == BatchSize);

        return total;
    }

    public async Task<int> RetryFailedAsync(string webhookId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = UnixTime.ToMs(now);
        var total = 0;
        var cursor = string.Empty;
        List<string> batch;
        do
        {
            // Walks by id, so a delivery that fails again while this runs is not retried twice.
            batch = await writer.ExecuteAsync(
                session =>
                {
                    var ids = new List<string>();
                    using (var reader = session.Query(
                        """
                        UPDATE deliveries SET status = 0, next_attempt_at = $2, lease_until = 0, lease_owner = NULL, updated_at = $2,
                            held = COALESCE((SELECT status NOT IN ('ENABLED', 'FAILING') FROM webhooks WHERE webhooks.id = deliveries.webhook_id), 1)
                        WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = $0 AND status = 2 AND id > $1 ORDER BY id LIMIT $3)
                        RETURNING id
                        """,
                        webhookId, cursor, nowMs, BatchSize))
                    {
                        while (reader.Read())
                        {
                            ids.Add(reader.GetString(0));
                        }
                    }

                    if (ids.Count > 0)
                    {
                        leases.Lower(webhookId, nowMs);
                    }

                    return ids;
                },
                cancellationToken);
            total += batch.Count;
            if (batch.Count > 0)
            {
                cursor = batch.Max(StringComparer.Ordinal)!;
            }
        }
        while (batch.Count == BatchSize);

        if (total > 0)
        {
            await changes.RaiseAsync(StoreChange.Any(StoreChangeKind.DueWork));
        }

        return total;
    }

    /// <summary>A webhook's leased deliveries that a bulk change just cancelled keep their in-flight attempt's record.</summary>
    internal static void CancelledInFlight(SqliteSession session, SqliteLeases leases, string webhookId)
    {
        foreach (var lease in leases.LeasesOf(webhookId))
        {
            if (session.Scalar("SELECT 1 FROM deliveries WHERE id = $0 AND status = 3", lease.DeliveryId) is not null)
            {
                leases.CancelInFlight(lease.DeliveryId);
            }
        }
    }
}
