using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

internal sealed partial class SqliteDeliveryStore(SqliteDatabase database, SqliteWriter writer, SqliteStoreChanges changes, SqliteLeases leases) : IDeliveryStore
{
    // Leases live in memory (SqliteLeases); while one is held the view shows no next attempt time.
    // lease_owner is set only in rows written by an older version (recovered at start).
    internal const string ViewColumns =
        "id, webhook_id, event_id, object_id, domain_id, status, attempt_count, CASE WHEN lease_owner IS NULL THEN next_attempt_at END, created_at, updated_at, last_status_code, last_error";

    public Task<CompletionResult> CompleteAsync(IReadOnlyList<AttemptRecord> attempts, DateTimeOffset now, TimeSpan disableAfter, CancellationToken cancellationToken) => changes.AfterEachAsync(
        writer.ExecuteAsync(
            session =>
            {
                var nowMs = UnixTime.ToMs(now);
                List<string>? ignored = null;

                // Per webhook, the verdicts of its applied attempts in order: folded through Core's
                // status machine and stored once per webhook per batch, as a conditional write.
                var verdicts = new Dictionary<string, List<(AttemptVerdict Verdict, string DeliveryId)>>(StringComparer.Ordinal);
                var order = new List<string>();
                foreach (var attempt in attempts)
                {
                    // Applied only while the delivery is pending under the lease the record names, as
                    // this process holds it in memory (none: never leased): a later claim, a release or
                    // a cancel has moved the lease on.
                    var status = attempt.Succeeded ? DeliveryStatus.Succeeded
                        : attempt.NextAttemptAt is null ? DeliveryStatus.Failed
                        : DeliveryStatus.Pending;
                    var held = leases.TryGet(attempt.DeliveryId, out var lease);
                    var leaseUntil = UnixTime.ToMs(attempt.LeaseUntil);
                    var matches = leaseUntil is { } until ? held && lease.Until == until : !held;
                    var applied = matches && session.Execute(
                        """
                        UPDATE deliveries SET status = $1, attempt_count = MAX(attempt_count, $2), next_attempt_at = $3, lease_owner = NULL,
                            lease_until = 0, last_status_code = $4, last_error = $5, updated_at = $6
                        WHERE id = $0 AND status = 0
                        """,
                        attempt.DeliveryId, (int)status, attempt.Number, UnixTime.ToMs(attempt.NextAttemptAt), attempt.StatusCode, attempt.Error, nowMs) > 0;
                    if (applied)
                    {
                        if (held)
                        {
                            leases.Remove(attempt.DeliveryId, out _);
                        }

                        if (UnixTime.ToMs(attempt.NextAttemptAt) is { } retryAt)
                        {
                            leases.Lower(attempt.WebhookId, retryAt);
                        }
                    }
                    else
                    {
                        // Not moved on. Only a delivery cancelled while this very attempt was in
                        // flight (no claim or retry since) still logs it: the request was sent.
                        (ignored ??= []).Add(attempt.DeliveryId);
                        if (leaseUntil is null || !leases.TakeCancelled(attempt.DeliveryId, leaseUntil.Value) || session.Scalar(
                            "SELECT 1 FROM deliveries WHERE id = $0 AND status = $1",
                            attempt.DeliveryId, (int)DeliveryStatus.Cancelled) is null)
                        {
                            continue;
                        }
                    }

                    session.Execute(
                        "INSERT OR IGNORE INTO attempts (delivery_id, number, started_at, status_code, duration_ms, error, response_body) VALUES ($0, $1, $2, $3, $4, $5, $6)",
                        attempt.DeliveryId, attempt.Number, UnixTime.ToMs(attempt.StartedAt), attempt.StatusCode, attempt.DurationMs, attempt.Error, attempt.ResponseBody);
                    if (!verdicts.TryGetValue(attempt.WebhookId, out var list))
                    {
                        verdicts[attempt.WebhookId] = list = [];
                        order.Add(attempt.WebhookId);
                    }

                    list.Add((new AttemptVerdict(attempt.Succeeded, attempt.StatusCode ?? 0, attempt.Error), attempt.DeliveryId));
                }

                var statusChanges = new List<WebhookStatusChange>();
                foreach (var webhookId in order)
                {
                    StoreHealth(session, webhookId, verdicts[webhookId], now, disableAfter, statusChanges);
                }

                return new CompletionResult(statusChanges, ignored ?? (IReadOnlyList<string>)[]);
            },
            cancellationToken,
            durable: false),
        // One notice per changed webhook: a null-id notice would make every registry reload them all.
        result => result.Select(change => change.WebhookId).Distinct(StringComparer.Ordinal).Select(id => new StoreChange(StoreChangeKind.Webhooks, id)));

    public Task ReleaseAsync(string owner, IReadOnlyList<ClaimedDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session =>
            {
                var nowMs = UnixTime.ToMs(now);
                foreach (var delivery in deliveries)
                {
                    if (!leases.TryGet(delivery.Id, out var lease) || !string.Equals(lease.Owner, owner, StringComparison.Ordinal)
                        || lease.Until != UnixTime.ToMs(delivery.LeaseUntil))
                    {
                        continue;
                    }

                    leases.Remove(delivery.Id, out _);
                    if (session.Execute("UPDATE deliveries SET next_attempt_at = $1 WHERE id = $0 AND status = 0", delivery.Id, nowMs) > 0)
                    {
                        leases.Lower(delivery.WebhookId, nowMs);
                    }
                }

                return true;
            },
            cancellationToken,
            durable: false),
        _ => deliveries.Count > 0 ? StoreChange.Any(StoreChangeKind.DueWork) : null);

    // One Herald process owns a SQLite database (the writer is in-process), so at start every lease
    // belongs to a process that is gone: due now. This process's leases live in memory and are gone
    // with it; the rows of a database written by an older version may still name a lease. A leased
    // delivery was due already, so it is due now.
    public Task<int> RecoverLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session =>
            {
                var nowMs = UnixTime.ToMs(now);
                leases.EnsureLoaded(session);
                var recovered = 0;
                foreach (var lease in leases.TakeAll())
                {
                    if (session.Execute("UPDATE deliveries SET next_attempt_at = $1 WHERE id = $0 AND status = 0", lease.DeliveryId, nowMs) > 0)
                    {
                        recovered++;
                        leases.Lower(lease.WebhookId, nowMs);
                    }
                }

                using (var reader = session.Query(
                    "UPDATE deliveries SET lease_owner = NULL, lease_until = 0, next_attempt_at = $0 WHERE status = 0 AND lease_owner IS NOT NULL RETURNING webhook_id",
                    nowMs))
                {
                    while (reader.Read())
                    {
                        recovered++;
                        leases.Lower(reader.GetString(0), nowMs);
                    }
                }

                return recovered;
            },
            cancellationToken,
            durable: false),
        recovered => recovered > 0 ? StoreChange.Any(StoreChangeKind.DueWork) : null);

    public Task<DeliveryView?> GetAsync(string id, string? domainId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        return Task.FromResult(Get(session, id, domainId, withAttempts: true));
    }

    public Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query(
            "SELECT " + ViewColumns + """
             FROM deliveries
            WHERE ($0 IS NULL OR domain_id = $0) AND ($1 IS NULL OR webhook_id = $1) AND ($2 IS NULL OR status = $2)
              AND ($3 IS NULL OR object_id = $3) AND ($4 IS NULL OR id < $4)
            ORDER BY id DESC LIMIT $5
            """,
            filter.DomainId, filter.WebhookId, filter.Status is { } s ? (int)s : null, filter.ObjectId, filter.Page.Cursor, filter.Page.Limit + 1);
        var items = new List<DeliveryView>();
        while (reader.Read())
        {
            items.Add(Overlay(ReadView(reader, null)));
        }

        return Task.FromResult(Paging.Cut(items, filter.Page.Limit, d => d.Id));
    }

    public Task<DeliveryView?> RetryAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session =>
            {
                var nowMs = UnixTime.ToMs(now);
                var inFlight = leases.TryGet(id, out var lease) && lease.Until > nowMs;
                var changed = session.Execute(
                    """
                    UPDATE deliveries SET status = 0, next_attempt_at = $2, lease_until = 0, lease_owner = NULL, updated_at = $2,
                        held = COALESCE((SELECT status NOT IN ('ENABLED', 'FAILING') FROM webhooks WHERE webhooks.id = deliveries.webhook_id), 1)
                    WHERE id = $0 AND ($1 IS NULL OR domain_id = $1) AND (status <> 0 OR $3 = 0)
                    """,
                    id, domainId, nowMs, inFlight ? 1 : 0);
                if (changed == 0)
                {
                    return null;
                }

                // Any lease it had (run out) or attempt in flight since a cancel no longer counts.
                leases.Remove(id, out _);
                leases.ForgetCancelled(id);
                var view = Get(session, id, domainId, withAttempts: false);
                if (view is not null)
                {
                    leases.Lower(view.WebhookId, nowMs);
                }

                return view;
            },
            cancellationToken),
        retried => retried is null ? null : StoreChange.Any(StoreChangeKind.DueWork));

    /// <summary>
    /// Stores what Core's <see cref="WebhookStatusMachine"/> decides for a webhook's attempts of
    /// this batch, folded in order from the webhook's current stored health, as one write that
    /// holds only if the row's version is still the one read (bumping it). On a conflict (a node
    /// sharing the database wrote meanwhile; inside SQLite's single writer it cannot happen) the
    /// row is read again and the decision made again from its new values.
    /// </summary>
    private void StoreHealth(
        SqliteSession session, string webhookId, List<(AttemptVerdict Verdict, string DeliveryId)> verdicts, DateTimeOffset now, TimeSpan disableAfter, List<WebhookStatusChange> changes)
    {
        var found = new List<WebhookStatusChange>();
        while (true)
        {
            WebhookHealth stored;
            long version;
            using (var reader = session.Rows("SELECT status, first_failed_at, last_error, version FROM webhooks WHERE id = $0", webhookId))
            {
                if (!reader.Read() || !WebhookStatusNames.TryParse(reader.GetString(0), out var status))
                {
                    return;
                }

                stored = new WebhookHealth(status, reader.GetNullableInt64(1) is { } failedAt ? UnixTime.FromMs(failedAt) : null, reader.GetNullableString(2));
                version = reader.GetInt64(3);
            }

            found.Clear();
            var current = stored;
            foreach (var (verdict, deliveryId) in verdicts)
            {
                var next = WebhookStatusMachine.Apply(current, verdict, now, disableAfter);
                if (next.Status != current.Status)
                {
                    found.Add(new WebhookStatusChange(webhookId, current.Status, next.Status, deliveryId));
                }

                current = next;
            }

            if (current == stored)
            {
                return;
            }

            if (session.Execute(
                "UPDATE webhooks SET status = $1, first_failed_at = $2, last_error = $3, version = version + 1 WHERE id = $0 AND version = $4",
                webhookId, current.Status.ToWire(), UnixTime.ToMs(current.FirstFailedAt), current.LastError, version) == 0)
            {
                continue;
            }

            if (current.Status != stored.Status && !current.Status.Sends())
            {
                session.Execute("UPDATE deliveries SET held = 1 WHERE webhook_id = $0 AND status = 0", webhookId);
                leases.Hold(webhookId);
            }

            changes.AddRange(found);
            return;
        }
    }

    /// <summary>While an attempt is in flight (leased in memory) the view shows no next attempt time.</summary>
    private DeliveryView Overlay(DeliveryView view) =>
        view.NextAttemptAt is not null && leases.IsLeased(view.Id) ? view with { NextAttemptAt = null } : view;

    private DeliveryView? Get(SqliteSession session, string id, string? domainId, bool withAttempts)
    {
        DeliveryView view;
        using (var reader = session.Query("SELECT " + ViewColumns + " FROM deliveries WHERE id = $0 AND ($1 IS NULL OR domain_id = $1)", id, domainId))
        {
            if (!reader.Read())
            {
                return null;
            }

            view = Overlay(ReadView(reader, null));
        }

        if (!withAttempts)
        {
            return view;
        }

        var attempts = new List<AttemptView>();
        using (var reader = session.Query(
            "SELECT number, started_at, status_code, duration_ms, error, response_body FROM attempts WHERE delivery_id = $0 ORDER BY number", id))
        {
            while (reader.Read())
            {
                attempts.Add(ReadAttempt(reader));
            }
        }

        return view with { Attempts = attempts };
    }

    /// <summary>An attempt from (number, started_at, status_code, duration_ms, error, response_body); PostgreSQL reads its rows with it too.</summary>
    internal static AttemptView ReadAttempt(System.Data.Common.DbDataReader reader) => new(
        reader.GetInt32(0),
        UnixTime.FromMs(reader.GetInt64(1)),
        reader.IsDBNull(2) ? null : reader.GetInt32(2),
        reader.GetDouble(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5));

    internal static DeliveryView ReadView(System.Data.Common.DbDataReader reader, IReadOnlyList<AttemptView>? attempts) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        (DeliveryStatus)reader.GetInt32(5),
        reader.GetInt32(6),
        UnixTime.FromMs(reader.GetValue(7)),
        UnixTime.FromMs(reader.GetInt64(8)),
        UnixTime.FromMs(reader.GetInt64(9)),
        reader.IsDBNull(10) ? null : reader.GetInt32(10),
        reader.IsDBNull(11) ? null : reader.GetString(11),
        attempts);
}
