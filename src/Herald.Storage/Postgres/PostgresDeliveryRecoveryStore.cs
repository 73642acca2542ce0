using Herald.Storage.Sqlite;

namespace Herald.Storage.Postgres;

/// <summary>
/// Cancel and bulk retry. Bulk changes run in statements of <see cref="BatchSize"/> rows, each its
/// own transaction, so a webhook with a huge backlog never holds thousands of row locks (and the
/// claims and completions that want them) for long.
/// </summary>
internal sealed class PostgresDeliveryRecoveryStore(PostgresDatabase database, PostgresStoreChanges changes) : IDeliveryRecoveryStore
{
    internal const int BatchSize = 1000;

    public Task<CancelOutcome> CancelAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken) =>
        PostgresRetry.OnConflictAsync(
            async () =>
            {
                // The row is locked first, so its status is read as it is when the cancel applies. The
                // lease's end stays: an attempt in flight completes only a pending delivery, so it can
                // no longer bring this one back, but its record still names this lease and so is kept
                // in the delivery's history (the request was sent).
                var rows = await database.QueryAsync(
                    """
                    WITH target AS (
                        SELECT id, status FROM deliveries WHERE id = $1 AND ($2::text IS NULL OR domain_id = $2::text) FOR UPDATE
                    ),
                    cancelled AS (
                        UPDATE deliveries d SET status = 3, next_attempt_at = NULL, lease_owner = NULL, updated_at = $3
                        FROM target t WHERE d.id = t.id AND t.status = 0
                    )
                    SELECT status FROM target
                    """,
                    r => r.GetInt32(0),
                    cancellationToken,
                    id, domainId, UnixTime.ToMs(now)).ConfigureAwait(false);
                return rows.Count == 0 ? CancelOutcome.NotFound : rows[0] == 0 ? CancelOutcome.Cancelled : CancelOutcome.NotPending;
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
            // so a busy webhook can't keep the loop going. Rows are locked in id order (as completions
            // lock them) and re-checked under the lock; one another writer moved on in between makes a
            // short batch, so the loop ends only on an empty one.
            changed = await PostgresRetry.OnConflictAsync(
                () => database.ExecuteAsync(
                    """
                    UPDATE deliveries SET status = 3, next_attempt_at = NULL, lease_owner = NULL, updated_at = $2
                    WHERE id IN (
                        SELECT id FROM deliveries WHERE webhook_id = $1 AND status = 0 AND created_at <= $2 ORDER BY id LIMIT $3 FOR UPDATE)
                      AND status = 0
                    """,
                    cancellationToken,
                    webhookId, nowMs, BatchSize),
                cancellationToken).ConfigureAwait(false);
            total += changed;
        }
        while (changed > 0);

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
            // Walks by id, so a delivery that fails again while this runs is not retried twice. Each
            // statement tells the other nodes that work is due when it commits.
            var from = cursor;
            batch = await PostgresRetry.OnConflictAsync(
                () => database.QueryAsync(
                    """
                    WITH retried AS (
                        UPDATE deliveries SET status = 0, next_attempt_at = $3, lease_until = 0, lease_owner = NULL, updated_at = $3,
                            held = COALESCE((SELECT CASE WHEN w.status IN ('ENABLED', 'FAILING') THEN 0 ELSE 1 END FROM webhooks w WHERE w.id = deliveries.webhook_id), 1)
                        WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = $1 AND status = 2 AND id > $2 ORDER BY id LIMIT $4 FOR UPDATE)
                          AND status = 2
                        RETURNING id
                    )
                    SELECT id, pg_notify($5, $6) FROM retried
                    """,
                    r => r.GetString(0),
                    cancellationToken,
                    webhookId, from, nowMs, BatchSize, changes.Channel, changes.Payload(StoreChangeKind.DueWork, null)),
                cancellationToken).ConfigureAwait(false);
            total += batch.Count;
            if (batch.Count > 0)
            {
                cursor = batch.Max(StringComparer.Ordinal)!;
            }
        }
        while (batch.Count > 0);

        if (total > 0)
        {
            await changes.RaiseAsync(StoreChange.Any(StoreChangeKind.DueWork)).ConfigureAwait(false);
        }

        return total;
    }
}
