using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

internal sealed class SqliteDeliveryStore(SqliteDatabase database, SqliteWriter writer, SqliteStoreChanges changes) : IDeliveryStore
{
    // While an attempt is in flight (leased), the stored next_attempt_at is the lease's end, when
    // the delivery would be due again if the attempt never reported back; the view shows no time.
    internal const string ViewColumns =
        "id, webhook_id, event_id, object_id, domain_id, status, attempt_count, CASE WHEN lease_owner IS NULL THEN next_attempt_at END, created_at, updated_at, last_status_code, last_error";

    public Task<ClaimResult> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(session => Claim(session, request), cancellationToken, durable: false);

    private static ClaimResult Claim(SqliteSession session, ClaimRequest request)
    {
        var nowMs = UnixTime.ToMs(request.Now);
        var leaseUntil = nowMs + (long)request.Lease.TotalMilliseconds;
        var rows = new List<ClaimRow>();
        if (request.Max > 0)
        {
            // The webhooks to claim for and how many each may take: listed ones at their capacity
            // (0 leaves one out: a full lane, an open circuit), the other sending ones at the default.
            var lanes = new List<(string WebhookId, int Capacity)>();
            using (var reader = session.Rows("SELECT id FROM webhooks WHERE status IN ('ENABLED', 'FAILING')"))
            {
                while (reader.Read())
                {
                    var id = reader.GetString(0);
                    if (request.Partitions is { } partitions && !partitions.Contains(LanePartitions.Of(id)))
                    {
                        continue;
                    }

                    var capacity = request.Capacity.TryGetValue(id, out var listed) ? listed : request.DefaultCapacity;
                    if (capacity > 0)
                    {
                        lanes.Add((id, capacity));
                    }
                }
            }

            // Per webhook, its earliest due deliveries come from the partial (webhook_id,
            // next_attempt_at) index of pending ones, one seek each; webhooks left out are never
            // touched, so one webhook's backlog costs nothing to the others. A leased delivery is due
            // again only when its lease runs out (next_attempt_at = lease_until), so the walk never
            // passes over deliveries in flight. Each webhook offers at most twice its fair share, so
            // a claim across many webhooks reads about 2 x Max rows; the earliest due are leased. An
            // ordered delivery waits while an earlier one of its object is pending, or while any
            // other one of its object is in flight (a later one, when an earlier one was retried).
            // Webhooks that had more than their share are asked again, for the rest of the claim's
            // room, when the others left it unused (one busy webhook among many idle ones).
            var share = Math.Max(8, (2 * request.Max / Math.Max(1, lanes.Count)) + 1);
            var more = new List<(string WebhookId, int Capacity)>();
            foreach (var (webhookId, capacity) in lanes)
            {
                var limit = Math.Min(capacity, share);
                if (Candidates(session, rows, webhookId, nowMs, limit, 0) == limit && capacity > limit)
                {
                    more.Add((webhookId, capacity));
                }
            }

            foreach (var (webhookId, capacity) in more)
            {
                var room = request.Max - rows.Count;
                if (room <= 0)
                {
                    break;
                }

                Candidates(session, rows, webhookId, nowMs, Math.Min(capacity - share, room), share);
            }

            rows.Sort(static (x, y) => x.Due != y.Due ? x.Due.CompareTo(y.Due) : x.RowId.CompareTo(y.RowId));
            if (rows.Count > request.Max)
            {
                rows.RemoveRange(request.Max, rows.Count - request.Max);
            }

            foreach (var row in rows)
            {
                session.Execute("UPDATE deliveries SET lease_owner = $1, lease_until = $2, next_attempt_at = $2 WHERE rowid = $0", row.RowId, request.Owner, leaseUntil);
            }
        }

        // One read per distinct event: a fanned-out event's deliveries share its body.
        var events = new Dictionary<string, (string Name, byte[] Body, string? TraceParent, string? TraceState)>(StringComparer.Ordinal);
        var claimed = new List<ClaimedDelivery>(rows.Count);
        foreach (var row in rows)
        {
            if (!events.TryGetValue(row.EventId, out var stored))
            {
                using var reader = session.Rows("SELECT event_type, realm, operation, body, trace_parent, trace_state FROM events WHERE id = $0", row.EventId);
                if (!reader.Read())
                {
                    continue;
                }

                stored = (EventNames.Format(reader.GetString(0), reader.GetNullableString(1), reader.GetString(2)), reader.GetBlob(3), reader.GetNullableString(4), reader.GetNullableString(5));
                events[row.EventId] = stored;
            }

            claimed.Add(new ClaimedDelivery(row.Id, row.WebhookId, row.EventId, row.ObjectId, row.Attempts, stored.Name, stored.Body, UnixTime.FromMs(leaseUntil), stored.TraceParent, stored.TraceState));
        }

        // One index seek per sending webhook (a paused or disabled webhook's deliveries are held).
        long? next;
        using (var reader = session.Rows(
            """
            SELECT MIN((SELECT MIN(d.next_attempt_at) FROM deliveries d WHERE d.webhook_id = w.id AND d.status = 0 AND d.next_attempt_at > $0))
            FROM webhooks w WHERE w.status IN ('ENABLED', 'FAILING')
            """,
            nowMs))
        {
            next = reader.Read() ? reader.GetNullableInt64(0) : null;
        }

        return new ClaimResult(claimed, next is { } ms ? UnixTime.FromMs(ms) : null);
    }

    /// <summary>Adds up to <paramref name="limit"/> of a webhook's due deliveries, after skipping <paramref name="skip"/>; returns how many.</summary>
    private static int Candidates(SqliteSession session, List<ClaimRow> rows, string webhookId, long nowMs, int limit, int skip)
    {
        var found = 0;
        using var reader = session.Rows(
            """
            SELECT x.rowid, x.id, x.event_id, x.object_id, x.attempt_count, x.next_attempt_at FROM deliveries x
            WHERE x.webhook_id = $0 AND x.status = 0 AND x.next_attempt_at <= $1 AND x.held = 0 AND x.lease_until <= $1
              AND (x.ordered = 0 OR x.object_id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM deliveries e
                  WHERE e.webhook_id = x.webhook_id AND e.object_id = x.object_id AND e.status = 0 AND e.ordered = 1 AND e.rowid <> x.rowid
                    AND (e.rowid < x.rowid OR e.lease_until > $1)))
            ORDER BY x.next_attempt_at, x.rowid LIMIT $2 OFFSET $3
            """,
            webhookId, nowMs, limit, skip);
        while (reader.Read())
        {
            rows.Add(new ClaimRow(
                reader.GetInt64(5), reader.GetInt64(0), reader.GetString(1), webhookId, reader.GetString(2),
                reader.GetNullableString(3), reader.GetInt32(4)));
            found++;
        }

        return found;
    }

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
                    // Applied only while the delivery is pending under the lease the record names
                    // (0: never leased): a later claim, a release or a cancel has moved the lease on.
                    var status = attempt.Succeeded ? DeliveryStatus.Succeeded
                        : attempt.NextAttemptAt is null ? DeliveryStatus.Failed
                        : DeliveryStatus.Pending;
                    var applied = session.Execute(
                        """
                        UPDATE deliveries SET status = $1, attempt_count = MAX(attempt_count, $2), next_attempt_at = $3, lease_owner = NULL,
                            lease_until = 0, last_status_code = $4, last_error = $5, updated_at = $6
                        WHERE id = $0 AND status = 0 AND lease_until = $7
                        """,
                        attempt.DeliveryId, (int)status, attempt.Number, UnixTime.ToMs(attempt.NextAttemptAt), attempt.StatusCode, attempt.Error, nowMs,
                        UnixTime.ToMs(attempt.LeaseUntil) ?? 0L);
                    if (applied == 0)
                    {
                        // Not moved on. Only a delivery cancelled while this very attempt was in
                        // flight (a cancel keeps the lease's end) still logs it: the request was sent.
                        (ignored ??= []).Add(attempt.DeliveryId);
                        if (attempt.LeaseUntil is null || session.Scalar(
                            "SELECT 1 FROM deliveries WHERE id = $0 AND status = $1 AND lease_until = $2",
                            attempt.DeliveryId, (int)DeliveryStatus.Cancelled, UnixTime.ToMs(attempt.LeaseUntil.Value)) is null)
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
        result => result.Count switch
        {
            0 => [],
            1 => [new StoreChange(StoreChangeKind.Webhooks, result[0].WebhookId)],
            _ => [StoreChange.Any(StoreChangeKind.Webhooks)], // several changes: one coalesced notice
        });

    public Task ReleaseAsync(string owner, IReadOnlyList<ClaimedDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session =>
            {
                var nowMs = UnixTime.ToMs(now);
                foreach (var delivery in deliveries)
                {
                    session.Execute(
                        "UPDATE deliveries SET lease_owner = NULL, lease_until = 0, next_attempt_at = $3 WHERE id = $0 AND lease_owner = $1 AND lease_until = $2 AND status = 0",
                        delivery.Id, owner, UnixTime.ToMs(delivery.LeaseUntil), nowMs);
                }

                return true;
            },
            cancellationToken,
            durable: false),
        _ => deliveries.Count > 0 ? StoreChange.Any(StoreChangeKind.DueWork) : null);

    // One Herald process owns a SQLite database (the writer is in-process), so at start every lease
    // belongs to a process that is gone: due now, not when the lease runs out. A leased delivery's
    // next_attempt_at is its lease's end; its original due time is not kept, and it was due already.
    public Task<int> RecoverLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session => session.Execute(
                "UPDATE deliveries SET lease_owner = NULL, lease_until = 0, next_attempt_at = $0 WHERE status = 0 AND lease_owner IS NOT NULL",
                UnixTime.ToMs(now)),
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
            items.Add(ReadView(reader, null));
        }

        return Task.FromResult(Paging.Cut(items, filter.Page.Limit, d => d.Id));
    }

    public Task<DeliveryView?> RetryAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session =>
            {
                var nowMs = UnixTime.ToMs(now);
                var changed = session.Execute(
                    """
                    UPDATE deliveries SET status = 0, next_attempt_at = $2, lease_until = 0, lease_owner = NULL, updated_at = $2,
                        held = COALESCE((SELECT status NOT IN ('ENABLED', 'FAILING') FROM webhooks WHERE webhooks.id = deliveries.webhook_id), 1)
                    WHERE id = $0 AND ($1 IS NULL OR domain_id = $1) AND (status <> 0 OR lease_until <= $2)
                    """,
                    id, domainId, nowMs);
                return changed == 0 ? null : Get(session, id, domainId, withAttempts: false);
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
    private static void StoreHealth(
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
            }

            changes.AddRange(found);
            return;
        }
    }

    private static DeliveryView? Get(SqliteSession session, string id, string? domainId, bool withAttempts)
    {
        DeliveryView view;
        using (var reader = session.Query("SELECT " + ViewColumns + " FROM deliveries WHERE id = $0 AND ($1 IS NULL OR domain_id = $1)", id, domainId))
        {
            if (!reader.Read())
            {
                return null;
            }

            view = ReadView(reader, null);
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
                attempts.Add(new AttemptView(
                    reader.GetInt32(0),
                    UnixTime.FromMs(reader.GetInt64(1)),
                    reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.GetDouble(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }

        return view with { Attempts = attempts };
    }

    private readonly record struct ClaimRow(long Due, long RowId, string Id, string WebhookId, string EventId, string? ObjectId, int Attempts);

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
