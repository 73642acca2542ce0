using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage.Sqlite;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Webhooks in <c>webhooks</c>, with the SQLite provider's row layout (<see cref="WebhookRows"/>).
/// Every write sends its change notice in its own transaction.
/// </summary>
internal sealed class PostgresWebhookStore(PostgresDatabase database, ISecretProtector protector, PostgresStoreChanges changes) : IWebhookStore
{
    /// <summary>First key of the per-domain advisory locks that serialise limited creates (the second is the domain's hash).</summary>
    internal const int DomainLockSpace = 0x4801;

    private const string SelectAll = "SELECT " + WebhookRows.Columns + " FROM webhooks";

    // The values of WebhookRows.Values, cast where a null could leave the type open.
    private const string InsertValues = "$1, $2, $3, $4, $5, $6::bigint, $7::text, $8, $9, $10";

    public async Task<IReadOnlyList<Webhook>> LoadAllAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync(SelectAll + " ORDER BY id", r => WebhookRows.Read(r, protector), cancellationToken).ConfigureAwait(false);

    public async Task<Webhook?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await database.QueryAsync(SelectAll + " WHERE id = $1", r => WebhookRows.Read(r, protector), cancellationToken, id).ConfigureAwait(false)) is [var found] ? found : null;

    public async Task<Page<Webhook>> ListAsync(string? domainId, PageRequest page, CancellationToken cancellationToken)
    {
        var items = await database.QueryAsync(
            SelectAll + " WHERE ($1::text IS NULL OR domain_id = $1) AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3",
            r => WebhookRows.Read(r, protector),
            cancellationToken,
            domainId, page.Cursor, page.Limit + 1).ConfigureAwait(false);
        return Paging.Cut(items, page.Limit, w => w.Id);
    }

    public async Task<int> CountAsync(string? domainId, CancellationToken cancellationToken) =>
        Convert.ToInt32(
            await database.ScalarAsync("SELECT COUNT(*) FROM webhooks WHERE ($1::text IS NULL OR domain_id = $1)", cancellationToken, domainId).ConfigureAwait(false),
            System.Globalization.CultureInfo.InvariantCulture);

    public Task InsertAsync(Webhook webhook, CancellationToken cancellationToken) =>
        InsertAsync(webhook, maxPerDomain: 0, cancellationToken);

    public Task<bool> InsertAsync(Webhook webhook, int maxPerDomain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return changes.AfterAsync(
            InsertRowAsync(webhook, maxPerDomain, cancellationToken),
            inserted => inserted ? new StoreChange(StoreChangeKind.Webhooks, webhook.Id) : null);
    }

    public Task<WebhookUpdate> UpdateAsync(Webhook updated, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updated);
        return changes.AfterAsync(
            UpdateRowAsync(updated, expectedVersion, cancellationToken),
            result => result.Outcome == WebhookUpdateOutcome.Updated ? new StoreChange(StoreChangeKind.Webhooks, updated.Id) : null);
    }

    public Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        DeleteRowAsync(id, now, cancellationToken),
        deleted => deleted ? new StoreChange(StoreChangeKind.Webhooks, id) : null);

    private async Task<bool> InsertRowAsync(Webhook webhook, int maxPerDomain, CancellationToken cancellationToken)
    {
        object?[] values = [.. WebhookRows.Values(webhook with { Version = 1 }, protector), changes.Payload(StoreChangeKind.Webhooks, webhook.Id)];
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        var limited = maxPerDomain > 0 && webhook.DomainId is not null;
        if (limited)
        {
            // Creates in one domain take turns on an advisory lock held to the commit; the count
            // below is a new statement, so it sees every create that held the lock before.
            batch.BatchCommands.Add(PostgresDatabase.BatchCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))", DomainLockSpace, webhook.DomainId));
        }

        // One batch is one implicit transaction: the lock, the count, the insert and the notice
        // commit together.
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
            $"""
            WITH inserted AS (
                INSERT INTO webhooks ({WebhookRows.Columns}) SELECT {InsertValues}
                 WHERE NOT $12 OR (SELECT COUNT(*) FROM webhooks WHERE domain_id = $2) < $13
                RETURNING id)
            SELECT pg_notify('{changes.Channel}', $11) FROM inserted
            """,
            [.. values, limited, maxPerDomain]));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (limited)
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<WebhookUpdate> UpdateRowAsync(Webhook updated, long expectedVersion, CancellationToken cancellationToken)
    {
        // Serialised and encrypted before the transaction: only the conditional write runs in it.
        var values = WebhookRows.Values(updated with { Version = expectedVersion + 1 }, protector);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The row lock first, as a statement of its own: an ingest reading this webhook's status
        // waits for the commit, and the held-flag update below (a later statement, so a newer
        // snapshot) sees every delivery an ingest committed before the lock was granted.
        string status;
        await using (var read = PostgresDatabase.Command(connection, "SELECT status, version FROM webhooks WHERE id = $1 FOR UPDATE", updated.Id))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return WebhookUpdate.NotFound;
            }

            if (reader.GetInt64(1) != expectedVersion)
            {
                return WebhookUpdate.Conflict;
            }

            status = reader.GetString(0);
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
            "UPDATE webhooks SET domain_id = $2, definition = $3, secrets = $4, status = $5, first_failed_at = $6::bigint, last_error = $7::text, created_at = $8, modified_at = $9, version = $10 WHERE id = $1",
            values));
        if (!string.Equals(status, updated.Status.ToWire(), StringComparison.Ordinal))
        {
            batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
                "UPDATE deliveries SET held = $2 WHERE webhook_id = $1 AND status = 0", updated.Id, updated.Status.Sends() ? 0 : 1));
        }

        batch.BatchCommands.Add(changes.Notify(StoreChangeKind.Webhooks, updated.Id));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new WebhookUpdate(WebhookUpdateOutcome.Updated, updated with { Version = expectedVersion + 1 });
    }

    private async Task<bool> DeleteRowAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The row lock first (see UpdateRowAsync), then one statement that cancels the pending
        // deliveries, deletes the row and sends the notice if it did (data-modifying CTEs always
        // run); one batch, so one implicit transaction and one round trip.
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand("SELECT 1 FROM webhooks WHERE id = $1 FOR UPDATE", id));
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
            $"""
            WITH cancelled AS (
                UPDATE deliveries SET status = $2, held = 1, next_attempt_at = NULL, updated_at = $3 WHERE webhook_id = $1 AND status = 0),
            deleted AS (DELETE FROM webhooks WHERE id = $1 RETURNING id)
            SELECT pg_notify('{changes.Channel}', $4) FROM deleted
            """,
            id, (int)DeliveryStatus.Cancelled, UnixTime.ToMs(now), changes.Payload(StoreChangeKind.Webhooks, id)));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }
}
