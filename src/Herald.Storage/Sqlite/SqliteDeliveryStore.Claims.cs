using Herald.Core.Deliveries;
using Herald.Core.Events;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Claims on SQLite: read-only on the database. The leases live in <see cref="SqliteLeases"/>
/// (one process owns the database), and the webhooks worth visiting come from its due set, so a
/// claim costs about what it takes, not one query per webhook with pending work.
/// </summary>
internal sealed partial class SqliteDeliveryStore
{
    /// <summary>At most this many due webhooks left out of a claim (no room) are asked for their next due time.</summary>
    private const int NextDueLookups = 32;

    /// <summary>
    /// The least a claim's first pass reads of a due webhook: a walk of the index costs about what
    /// reading a dozen rows does, so over 10,000 webhooks with a few deliveries each a share of two
    /// made claims a tenth slower, with twice as many walks.
    /// </summary>
    private const int MinShare = 16;

    public async Task<ClaimResult> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        List<SqliteLease>? taken = null;
        try
        {
            return await writer.ExecuteAsync(session => Claim(session, request, out taken), cancellationToken, durable: false);
        }
        catch (Exception) when (taken is { Count: > 0 })
        {
            // The caller never saw these: give them back at once instead of after the lease.
            var lost = taken;
            _ = writer.ExecuteAsync(
                session =>
                {
                    foreach (var lease in lost)
                    {
                        if (leases.TryGet(lease.DeliveryId, out var held) && held == lease)
                        {
                            leases.Remove(lease.DeliveryId, out _);
                            leases.Lower(lease.WebhookId, long.MinValue);
                        }
                    }

                    return true;
                },
                CancellationToken.None,
                durable: false);
            throw;
        }
    }

    private ClaimResult Claim(SqliteSession session, ClaimRequest request, out List<SqliteLease> taken)
    {
        leases.EnsureLoaded(session);
        var nowMs = UnixTime.ToMs(request.Now);
        var leaseUntil = nowMs + (long)request.Lease.TotalMilliseconds;
        var rows = new List<ClaimRow>();
        var cut = new List<ClaimRow>();
        var visits = new List<(string WebhookId, bool Exhausted)>();
        taken = [];
        if (request.Max > 0)
        {
            // Webhooks in order of their earliest due work, those with room. How many there are (up
            // to Max) sets the share of the first pass.
            var dueCount = 0;
            foreach (var (key, webhookId) in leases.Due)
            {
                if (key > nowMs || dueCount == request.Max)
                {
                    break;
                }

                dueCount += Limit(webhookId) > 0 ? 1 : 0;
            }

            // First each webhook's share (twice an even split of Max, at least MinShare), then more
            // from those whose share ran out before the bound: reading each webhook to its room made
            // a claim over 100 webhooks in step read six to fifteen rows for each one it took (the
            // rest cut, and read again next time); with the share it reads about two. Once the claim
            // holds Max candidates, only rows before the last of them in (due, rowid) order can
            // change what is taken; a fan-out stores thousands of deliveries in one millisecond, so
            // the due time alone would prune nothing there. Webhooks whose earliest due time is not before the bound's are
            // left for the next claim: what they hold is due no earlier, though within the same
            // millisecond it may be older, so deliveries due in one millisecond are taken in the
            // due set's order of webhooks, not exactly in publish order across them (as before).
            var share = Math.Max(MinShare, ((2 * request.Max) + dueCount - 1) / Math.Max(1, dueCount));
            var bound = (Due: nowMs, RowId: long.MaxValue);
            var full = false;
            var more = new List<(string WebhookId, int Limit, int Found, (long Due, long RowId) From)>();
            foreach (var (key, webhookId) in leases.Due)
            {
                if (key > bound.Due || (full && key >= bound.Due))
                {
                    break;
                }

                var limit = Limit(webhookId);
                if (limit <= 0)
                {
                    continue;
                }

                var first = Math.Min(limit, share);
                var (found, lastRead) = Candidates(session, rows, webhookId, nowMs, bound, first, from: null);
                if (found == first && first < limit)
                {
                    more.Add((webhookId, limit, found, lastRead));
                }
                else
                {
                    visits.Add((webhookId, !full && found < first));
                }

                Cut(ref bound, ref full);
            }

            foreach (var (webhookId, limit, firstFound, from) in more)
            {
                if (full && from.CompareTo(bound) >= 0)
                {
                    // Everything it has left comes after what the claim holds.
                    visits.Add((webhookId, false));
                    continue;
                }

                var wanted = limit - firstFound;
                var (found, _) = Candidates(session, rows, webhookId, nowMs, bound, wanted, from);
                visits.Add((webhookId, !full && found < wanted));
                Cut(ref bound, ref full);
            }

            SortAndCut(rows, cut, request.Max);
        }

        // What the claim may take for the webhook: its room, at most Max; nothing outside the
        // partitions asked for.
        int Limit(string webhookId)
        {
            if (request.Partitions is { } partitions && !partitions.Contains(LanePartitions.Of(webhookId)))
            {
                return 0;
            }

            return Math.Min(request.Capacity.TryGetValue(webhookId, out var listed) ? listed : request.DefaultCapacity, request.Max);
        }

        // Cut back to Max only once twice as many have gathered: sorting after every visit made a
        // claim over many webhooks sort its 512 rows once per webhook (a bound from the last cut is
        // looser than exact, never wrong: it only prunes).
        void Cut(ref (long Due, long RowId) bound, ref bool full)
        {
            if (rows.Count >= (full ? 2 * request.Max : request.Max))
            {
                SortAndCut(rows, cut, request.Max);
                bound = (rows[^1].Due, rows[^1].RowId);
                full = true;
            }
        }

        // Lease in memory, then move each visited webhook's bound on: to the earliest left behind
        // by the cut, to its next due time when the walk ran dry, or to the last one taken.
        foreach (var row in rows)
        {
            var lease = new SqliteLease(row.Id, row.WebhookId, request.Owner, leaseUntil, row.ObjectId, row.Ordered);
            leases.Add(lease);
            taken.Add(lease);
        }

        var last = new Dictionary<string, ClaimRow>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            last[row.WebhookId] = row;
        }

        foreach (var (webhookId, row) in last)
        {
            leases.Advance(webhookId, row.Due, row.RowId);
        }

        // Per webhook, the earliest of its rows the cut left behind: one pass over the cut rows,
        // not one per visited webhook.
        var leftBehind = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in cut)
        {
            if (!leftBehind.TryGetValue(row.WebhookId, out var earliest) || row.Due < earliest)
            {
                leftBehind[row.WebhookId] = row.Due;
            }
        }

        foreach (var (webhookId, exhausted) in visits)
        {
            if (leftBehind.TryGetValue(webhookId, out var left))
            {
                leases.SetPending(webhookId, left);
            }
            else if (exhausted)
            {
                leases.SetPending(webhookId, FirstUnleasedAfter(session, webhookId, nowMs));
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

        return new ClaimResult(claimed, NextDueAfter(session, request, nowMs, full: rows.Count == request.Max && request.Max > 0) is { } next ? UnixTime.FromMs(next) : null);
    }

    private static void SortAndCut(List<ClaimRow> rows, List<ClaimRow> cut, int max)
    {
        rows.Sort(static (x, y) => x.Due != y.Due ? x.Due.CompareTo(y.Due) : x.RowId.CompareTo(y.RowId));
        if (rows.Count > max)
        {
            cut.AddRange(rows.GetRange(max, rows.Count - max));
            rows.RemoveRange(max, rows.Count - max);
        }
    }

    /// <summary>
    /// Adds up to <paramref name="limit"/> of a webhook's deliveries up to <paramref name="bound"/> in
    /// (due, rowid) order from the partial (webhook_id, next_attempt_at) index of pending ones,
    /// after <paramref name="from"/> (null: the webhook's cursor), passing over those leased in
    /// memory (a lease that ran out is claimable again). An ordered delivery waits while an earlier
    /// one of its object is pending, or while another one of its object is in flight (a later one,
    /// when an earlier one was retried). Returns how many were added and the last row read.
    /// </summary>
    private (int Found, (long Due, long RowId) LastRead) Candidates(
        SqliteSession session, List<ClaimRow> rows, string webhookId, long nowMs, (long Due, long RowId) bound, int limit, (long Due, long RowId)? from)
    {
        var found = 0;
        leases.Visited();
        var (fromDue, fromRowId) = from ?? leases.CursorOf(webhookId, nowMs) ?? (long.MinValue, long.MinValue);
        var lastRead = (fromDue, fromRowId);
        using var reader = session.Rows(
            """
            SELECT x.rowid, x.id, x.event_id, x.object_id, x.attempt_count, x.next_attempt_at, x.ordered FROM deliveries x
            WHERE x.webhook_id = $0 AND x.status = 0 AND x.next_attempt_at <= $1 AND x.held = 0 AND (x.next_attempt_at, x.rowid) > ($2, $3)
              AND (x.next_attempt_at, x.rowid) <= ($1, $4)
              AND (x.ordered = 0 OR x.object_id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM deliveries e
                  WHERE e.webhook_id = x.webhook_id AND e.object_id = x.object_id AND e.status = 0 AND e.ordered = 1 AND e.rowid < x.rowid))
            ORDER BY x.next_attempt_at, x.rowid
            """,
            webhookId, bound.Due, fromDue, fromRowId, bound.RowId);
        while (found < limit && reader.Read())
        {
            lastRead = (reader.GetInt64(5), reader.GetInt64(0));
            var id = reader.GetString(1);
            if (leases.TryGet(id, out var lease) && lease.Until > nowMs)
            {
                continue;
            }

            var objectId = reader.GetNullableString(3);
            var ordered = reader.GetInt32(6) != 0;
            if (ordered && objectId is not null && leases.ObjectInFlight(webhookId, objectId, nowMs))
            {
                continue;
            }

            rows.Add(new ClaimRow(lastRead.Item1, lastRead.Item2, id, webhookId, reader.GetString(2), objectId, reader.GetInt32(4), ordered));
            found++;
        }

        return (found, lastRead);
    }

    /// <summary>
    /// The earliest due time after <paramref name="nowMs"/> of a pending, sendable delivery: the
    /// first webhook of the due set beyond now (its bound checked against the rows, as a bound may
    /// be stale-low), and for webhooks still due now (left out of the claim) their next one.
    /// </summary>
    private long? NextDueAfter(SqliteSession session, ClaimRequest request, long nowMs, bool full)
    {
        long? next = null;
        var dueNow = new List<string>();
        foreach (var (key, webhookId) in leases.Due)
        {
            // A full claim is followed by another at once: what is due later does not matter yet.
            if (key > nowMs || dueNow.Count == NextDueLookups || full)
            {
                break;
            }

            if (request.Partitions is not { } partitions || partitions.Contains(LanePartitions.Of(webhookId)))
            {
                dueNow.Add(webhookId);
            }
        }

        foreach (var webhookId in dueNow)
        {
            next = Earliest(next, NextOf(session, webhookId, nowMs));
        }

        // Bounds beyond now, in order: each is checked against the rows (a bound may be stale-low:
        // a cancel, a finished ordered delivery) until the earliest exact one is found. A bound at
        // or after the best found so far cannot beat it.
        var later = new List<(long Key, string WebhookId)>();
        long? beyond = null;
        foreach (var entry in leases.DueAfter(nowMs))
        {
            if ((request.Partitions is { } partitions && !partitions.Contains(LanePartitions.Of(entry.WebhookId))))
            {
                continue;
            }

            if (later.Count == NextDueLookups)
            {
                beyond = entry.Key;
                break;
            }

            later.Add(entry);
        }

        foreach (var (key, webhookId) in later)
        {
            if (next is { } best && key >= best)
            {
                return next;
            }

            var exact = NextOf(session, webhookId, nowMs);
            if (exact != key)
            {
                leases.SetPending(webhookId, FirstUnleasedAfter(session, webhookId, nowMs));
            }

            next = Earliest(next, exact);
        }

        // Every bound looked at was stale: the next one is a safe (early) answer.
        return Earliest(next, beyond);
    }

    /// <summary>A webhook's next due time after now: its next unleased pending delivery, or the end of its earliest lease.</summary>
    private long? NextOf(SqliteSession session, string webhookId, long nowMs)
    {
        var next = FirstUnleasedAfter(session, webhookId, nowMs);
        return leases.LeaseEnd(webhookId) is { } end && end > nowMs ? Earliest(next, end) : next;
    }

    /// <summary>The due time of the webhook's first pending, unheld delivery due after now that is not leased.</summary>
    private long? FirstUnleasedAfter(SqliteSession session, string webhookId, long nowMs)
    {
        using var reader = session.Rows(
            "SELECT id, next_attempt_at FROM deliveries WHERE webhook_id = $0 AND status = 0 AND held = 0 AND next_attempt_at > $1 ORDER BY next_attempt_at",
            webhookId, nowMs);
        while (reader.Read())
        {
            if (!leases.IsLeased(reader.GetString(0)))
            {
                return reader.GetInt64(1);
            }
        }

        return null;
    }

    private static long? Earliest(long? x, long? y) => x is null ? y : y is null ? x : Math.Min(x.Value, y.Value);

    private readonly record struct ClaimRow(long Due, long RowId, string Id, string WebhookId, string EventId, string? ObjectId, int Attempts, bool Ordered);
}
