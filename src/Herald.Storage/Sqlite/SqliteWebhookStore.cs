using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Sqlite;

internal sealed class SqliteWebhookStore(SqliteDatabase database, SqliteWriter writer, ISecretProtector protector, SqliteStoreChanges changes, SqliteLeases leases) : IWebhookStore
{
    private const string SelectAll = "SELECT " + WebhookRows.Columns + " FROM webhooks";

    public Task<IReadOnlyList<Webhook>> LoadAllAsync(CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query(SelectAll + " ORDER BY id");
        var all = new List<Webhook>();
        while (reader.Read())
        {
            all.Add(WebhookRows.Read(reader, protector));
        }

        return Task.FromResult<IReadOnlyList<Webhook>>(all);
    }

    public Task<Webhook?> GetAsync(string id, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        return Task.FromResult(Get(session, id));
    }

    public Task<Page<Webhook>> ListAsync(string? domainId, PageRequest page, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);

        // One statement per shape, so each is planned on its index ("$0 IS NULL OR ..." is not).
        using var reader = (domainId, page.Cursor) switch
        {
            (null, null) => session.Query(SelectAll + " ORDER BY id LIMIT $0", page.Limit + 1),
            (null, _) => session.Query(SelectAll + " WHERE id > $0 ORDER BY id LIMIT $1", page.Cursor, page.Limit + 1),
            (_, null) => session.Query(SelectAll + " WHERE domain_id = $0 ORDER BY id LIMIT $1", domainId, page.Limit + 1),
            _ => session.Query(SelectAll + " WHERE domain_id = $0 AND id > $1 ORDER BY id LIMIT $2", domainId, page.Cursor, page.Limit + 1),
        };
        var items = new List<Webhook>();
        while (reader.Read())
        {
            items.Add(WebhookRows.Read(reader, protector));
        }

        return Task.FromResult(Paging.Cut(items, page.Limit, w => w.Id));
    }

    public Task<IReadOnlyList<Webhook>> ListAtAsync(string? domainId, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        using var connection = database.Open();
        using var session = new SqliteSession(connection);

        // The offset is walked on an index that holds only keys (the primary key's, or (domain_id,
        // id)); only the page's rows are read in full.
        using var reader = domainId is null
            ? session.Query(SelectAll + " WHERE id IN (SELECT id FROM webhooks ORDER BY id LIMIT $0 OFFSET $1) ORDER BY id", limit, offset)
            : session.Query(
                SelectAll + " WHERE id IN (SELECT id FROM webhooks WHERE domain_id = $0 ORDER BY id LIMIT $1 OFFSET $2) ORDER BY id",
                domainId, limit, offset);
        var items = new List<Webhook>(Math.Min(limit, 1000));
        while (reader.Read())
        {
            items.Add(WebhookRows.Read(reader, protector));
        }

        return Task.FromResult<IReadOnlyList<Webhook>>(items);
    }

    public Task<int> CountAsync(string? domainId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        var count = domainId is null
            ? session.Scalar("SELECT COUNT(*) FROM webhooks")
            : session.Scalar("SELECT COUNT(*) FROM webhooks WHERE domain_id = $0", domainId);
        return Task.FromResult(Convert.ToInt32(count, System.Globalization.CultureInfo.InvariantCulture));
    }

    public Task InsertAsync(Webhook webhook, CancellationToken cancellationToken) =>
        InsertAsync(webhook, maxPerDomain: 0, cancellationToken);

    public Task<bool> InsertAsync(Webhook webhook, int maxPerDomain, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session =>
            {
                // Counted inside the writer's transaction: requests run one after another there, so
                // the count cannot change between this check and the insert.
                if (maxPerDomain > 0 && webhook.DomainId is not null
                    && Convert.ToInt64(session.Scalar("SELECT COUNT(*) FROM webhooks WHERE domain_id = $0", webhook.DomainId), System.Globalization.CultureInfo.InvariantCulture) >= maxPerDomain)
                {
                    return false;
                }

                session.Execute(
                    "INSERT INTO webhooks (" + WebhookRows.Columns + ") VALUES ($0, $1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    WebhookRows.Values(webhook with { Version = 1 }, protector));
                return true;
            },
            cancellationToken),
        inserted => inserted ? new StoreChange(StoreChangeKind.Webhooks, webhook.Id) : null);

    public Task<WebhookUpdate> UpdateAsync(Webhook updated, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updated);

        // Serialised and encrypted before the writer's turn: only the conditional write runs there.
        var values = WebhookRows.Values(updated with { Version = expectedVersion + 1 }, protector);
        return changes.AfterAsync(
            writer.ExecuteAsync(
            session =>
            {
                string? status;
                using (var reader = session.Rows("SELECT status, version FROM webhooks WHERE id = $0", updated.Id))
                {
                    if (!reader.Read())
                    {
                        return WebhookUpdate.NotFound;
                    }

                    if (reader.GetInt64(1) != expectedVersion)
                    {
                        return WebhookUpdate.Conflict;
                    }

                    status = reader.GetString(0);
                }

                var changed = session.Execute(
                    "UPDATE webhooks SET domain_id = $1, definition = $2, secrets = $3, status = $4, first_failed_at = $5, last_error = $6, created_at = $7, modified_at = $8, version = $9 WHERE id = $0 AND version = $10",
                    [.. values, expectedVersion]);
                if (changed == 0)
                {
                    return WebhookUpdate.Conflict;
                }

                if (!string.Equals(status, updated.Status.ToWire(), StringComparison.Ordinal))
                {
                    session.Execute(
                        "UPDATE deliveries SET held = $1 WHERE webhook_id = $0 AND status = 0",
                        updated.Id, updated.Status.Sends() ? 0 : 1);
                    if (!updated.Status.Sends())
                    {
                        leases.Hold(updated.Id);
                    }
                    else if (session.Scalar("SELECT MIN(next_attempt_at) FROM deliveries WHERE webhook_id = $0 AND status = 0", updated.Id) is long due)
                    {
                        // One index seek: its held backlog joins the due set again.
                        leases.Lower(updated.Id, due);
                    }
                }

                return new WebhookUpdate(WebhookUpdateOutcome.Updated, updated with { Version = expectedVersion + 1 });
            },
            cancellationToken),
            result => result.Outcome == WebhookUpdateOutcome.Updated ? new StoreChange(StoreChangeKind.Webhooks, updated.Id) : null);
    }

    public Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session =>
            {
                session.Execute(
                    "UPDATE deliveries SET status = $1, held = 1, next_attempt_at = NULL, updated_at = $2 WHERE webhook_id = $0 AND status = 0",
                    id, (int)DeliveryStatus.Cancelled, UnixTime.ToMs(now));
                SqliteDeliveryRecoveryStore.CancelledInFlight(session, leases, id);
                leases.Hold(id);
                return session.Execute("DELETE FROM webhooks WHERE id = $0", id) > 0;
            },
            cancellationToken),
        deleted => deleted ? new StoreChange(StoreChangeKind.Webhooks, id) : null);

    private Webhook? Get(SqliteSession session, string id)
    {
        using var reader = session.Query(SelectAll + " WHERE id = $0", id);
        return reader.Read() ? WebhookRows.Read(reader, protector) : null;
    }
}
