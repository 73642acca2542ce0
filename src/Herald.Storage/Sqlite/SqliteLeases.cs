namespace Herald.Storage.Sqlite;

/// <summary>A delivery leased by this process: held in memory only, never written.</summary>
internal sealed record SqliteLease(string DeliveryId, string WebhookId, string Owner, long Until, string? ObjectId, bool Ordered);

/// <summary>
/// What a SQLite Herald keeps in memory instead of writing it: exactly one process owns the
/// database, so a lease only has to be known to that process, and a restart (which loses them all)
/// sends every pending delivery at once, as <see cref="IDeliveryStore.RecoverLeasesAsync"/> would.
/// <para>
/// Beside the leases: per webhook, a lower bound on the due time of its pending deliveries that are
/// neither held nor leased (<c>Pending</c>), and the earliest end of its leases; the smaller of the
/// two orders the webhook in a due set, so a claim visits only webhooks that are due (and have room)
/// and one with a paused backlog costs nothing. The bound is exact after a claim walked the webhook
/// and lowered (never raised) by whatever may make earlier work due: an ingest, a retry, a release,
/// a finished ordered delivery; a stale-low bound only costs one visit that corrects it.
/// </para>
/// <para>
/// Every change runs on the writer thread, inside a writer request, so it is ordered with the rows
/// it describes; the lock is for readers on other threads (a delivery's view asks whether it is
/// leased).
/// </para>
/// </summary>
internal sealed class SqliteLeases
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SqliteLease> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _cancelledInFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WebhookWork> _webhooks = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Key, string WebhookId)> _due = new(DueOrder.Instance);

    /// <summary>How many times a claim has walked a webhook's deliveries (diagnostics: what claims cost).</summary>
    public long Visits { get; private set; }

    /// <summary>Counts one claim walk of a webhook's deliveries.</summary>
    public void Visited() => Visits++;

    /// <summary>Whether the due set has been built from the database (on the first claim or recovery).</summary>
    public bool Loaded { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _leases.Count;
            }
        }
    }

    /// <summary>Builds the due set: per sending webhook, its earliest pending delivery (one index seek each).</summary>
    public void EnsureLoaded(SqliteSession session)
    {
        if (Loaded)
        {
            return;
        }

        var found = new List<(string WebhookId, long Due)>();
        using (var reader = session.Rows(
            """
            SELECT w.id, (SELECT MIN(d.next_attempt_at) FROM deliveries d WHERE d.webhook_id = w.id AND d.status = 0)
            FROM webhooks w WHERE w.status IN ('ENABLED', 'FAILING')
            """))
        {
            while (reader.Read())
            {
                if (reader.GetNullableInt64(1) is { } due)
                {
                    found.Add((reader.GetString(0), due));
                }
            }
        }

        lock (_gate)
        {
            Loaded = true;
            foreach (var (webhookId, due) in found)
            {
                Lower(webhookId, due);
            }
        }
    }

    public bool TryGet(string deliveryId, out SqliteLease lease)
    {
        lock (_gate)
        {
            return _leases.TryGetValue(deliveryId, out lease!);
        }
    }

    public bool IsLeased(string deliveryId)
    {
        lock (_gate)
        {
            return _leases.ContainsKey(deliveryId);
        }
    }

    /// <summary>Leases a delivery (replacing a lease that ran out).</summary>
    public void Add(SqliteLease lease)
    {
        lock (_gate)
        {
            if (_leases.Remove(lease.DeliveryId, out var old))
            {
                Work(old.WebhookId).RemoveLease(old);
            }

            _cancelledInFlight.Remove(lease.DeliveryId);
            _leases[lease.DeliveryId] = lease;
            var work = Work(lease.WebhookId);
            work.AddLease(lease);
            Rekey(lease.WebhookId, work);
        }
    }

    /// <summary>Drops a lease (completed, released, retried); false when there was none.</summary>
    public bool Remove(string deliveryId, out SqliteLease lease)
    {
        lock (_gate)
        {
            if (!_leases.Remove(deliveryId, out lease!))
            {
                return false;
            }

            var work = Work(lease.WebhookId);
            work.RemoveLease(lease);
            if (lease.Ordered)
            {
                // Later deliveries of its object were waiting on it (passed over by earlier walks):
                // look again, from the start, at the next claim.
                work.Pending = long.MinValue;
                work.Cursor = null;
            }

            Rekey(lease.WebhookId, work);
            return true;
        }
    }

    /// <summary>A leased delivery was cancelled: its attempt in flight may still be recorded (the request was sent).</summary>
    public void CancelInFlight(string deliveryId)
    {
        lock (_gate)
        {
            if (Remove(deliveryId, out var lease))
            {
                _cancelledInFlight[deliveryId] = lease.Until;
            }
        }
    }

    /// <summary>Whether <paramref name="deliveryId"/> was cancelled while leased until <paramref name="until"/>; forgets it.</summary>
    public bool TakeCancelled(string deliveryId, long until)
    {
        lock (_gate)
        {
            if (_cancelledInFlight.TryGetValue(deliveryId, out var cancelled) && cancelled == until)
            {
                _cancelledInFlight.Remove(deliveryId);
                return true;
            }

            return false;
        }
    }

    public void ForgetCancelled(string deliveryId)
    {
        lock (_gate)
        {
            _cancelledInFlight.Remove(deliveryId);
        }
    }

    /// <summary>The leases of one webhook (to be checked against the rows after a bulk change).</summary>
    public List<SqliteLease> LeasesOf(string webhookId)
    {
        lock (_gate)
        {
            return _webhooks.TryGetValue(webhookId, out var work) ? [.. work.Leases.Values] : [];
        }
    }

    /// <summary>Every lease, removed (a start gives them all back).</summary>
    public List<SqliteLease> TakeAll()
    {
        lock (_gate)
        {
            var all = new List<SqliteLease>(_leases.Values);
            foreach (var lease in all)
            {
                Remove(lease.DeliveryId, out _);
            }

            _cancelledInFlight.Clear();
            return all;
        }
    }

    /// <summary>Work of <paramref name="webhookId"/> may be due at <paramref name="due"/> (lowers its bound).</summary>
    public void Lower(string webhookId, long due)
    {
        lock (_gate)
        {
            if (!Loaded)
            {
                return;
            }

            var work = Work(webhookId);
            if (work.Cursor is { } cursor && due <= cursor.Due)
            {
                work.Cursor = null;
            }

            if (work.Pending is not { } pending || due < pending)
            {
                work.Pending = due;
                Rekey(webhookId, work);
            }
        }
    }

    /// <summary>Sets the bound after a walk found it (null: nothing unleased is pending).</summary>
    public void SetPending(string webhookId, long? due)
    {
        lock (_gate)
        {
            var work = Work(webhookId);
            work.Pending = due;
            Rekey(webhookId, work);
        }
    }

    /// <summary>The webhook holds (paused, disabled, deleted): none of its pending deliveries is claimable.</summary>
    public void Hold(string webhookId)
    {
        lock (_gate)
        {
            Work(webhookId).Cursor = null;
            SetPending(webhookId, null);
        }
    }

    /// <summary>
    /// Where the next walk of the webhook's deliveries starts: every unleased claimable delivery
    /// comes after the last one a claim took, in (due, rowid) order, so a walk does not pass over
    /// the deliveries in flight again. Anything that may put one before it (a release or retry due
    /// no later, a lease that ran out, an ordered delivery released) resets it.
    /// </summary>
    public (long Due, long RowId)? CursorOf(string webhookId, long nowMs)
    {
        lock (_gate)
        {
            if (!_webhooks.TryGetValue(webhookId, out var work))
            {
                return null;
            }

            if (work.Leases.Count > 0 && work.MinUntil <= nowMs)
            {
                work.Cursor = null;
            }

            return work.Cursor;
        }
    }

    /// <summary>A claim took the webhook's deliveries up to (<paramref name="due"/>, <paramref name="rowId"/>).</summary>
    public void Advance(string webhookId, long due, long rowId)
    {
        lock (_gate)
        {
            Work(webhookId).Cursor = (due, rowId);
        }
    }

    /// <summary>The earliest end of the webhook's leases; null when it has none.</summary>
    public long? LeaseEnd(string webhookId)
    {
        lock (_gate)
        {
            return _webhooks.TryGetValue(webhookId, out var work) && work.Leases.Count > 0 ? work.MinUntil : null;
        }
    }

    /// <summary>Whether a delivery of <paramref name="objectId"/> for an ordered webhook is in flight (leased, lease not run out).</summary>
    public bool ObjectInFlight(string webhookId, string objectId, long nowMs)
    {
        lock (_gate)
        {
            if (!_webhooks.TryGetValue(webhookId, out var work) || work.OrderedObjects is not { } objects || !objects.ContainsKey(objectId))
            {
                return false;
            }

            foreach (var lease in work.Leases.Values)
            {
                if (lease.Ordered && lease.Until > nowMs && string.Equals(lease.ObjectId, objectId, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The due set in order (earliest first); enumerate only on the writer thread, without changing it meanwhile.</summary>
    public SortedSet<(long Key, string WebhookId)> Due => _due;

    /// <summary>The entries due strictly after <paramref name="nowMs"/>, in order (writer thread only).</summary>
    public IEnumerable<(long Key, string WebhookId)> DueAfter(long nowMs) =>
        _due.Count == 0 || _due.Max.Key <= nowMs ? [] : _due.GetViewBetween((nowMs + 1, string.Empty), _due.Max);

    private WebhookWork Work(string webhookId)
    {
        if (!_webhooks.TryGetValue(webhookId, out var work))
        {
            _webhooks[webhookId] = work = new WebhookWork();
        }

        return work;
    }

    private void Rekey(string webhookId, WebhookWork work)
    {
        long? key = work.Pending;
        if (work.Leases.Count > 0 && (key is null || work.MinUntil < key))
        {
            key = work.MinUntil;
        }

        if (key == work.Key)
        {
            return;
        }

        if (work.Key is { } old)
        {
            _due.Remove((old, webhookId));
        }

        work.Key = key;
        if (key is { } now)
        {
            _due.Add((now, webhookId));
        }
        else if (work.Leases.Count == 0 && work.Pending is null)
        {
            _webhooks.Remove(webhookId);
        }
    }

    private sealed class WebhookWork
    {
        public long? Pending;
        public long? Key;
        public (long Due, long RowId)? Cursor;
        public long MinUntil = long.MaxValue;
        public int AtMin;
        public Dictionary<string, int>? OrderedObjects;
        public readonly Dictionary<string, SqliteLease> Leases = new(StringComparer.Ordinal);

        public void AddLease(SqliteLease lease)
        {
            Leases[lease.DeliveryId] = lease;
            if (lease.Until < MinUntil)
            {
                MinUntil = lease.Until;
                AtMin = 1;
            }
            else if (lease.Until == MinUntil)
            {
                AtMin++;
            }

            if (lease.Ordered && lease.ObjectId is { } objectId)
            {
                OrderedObjects ??= new Dictionary<string, int>(StringComparer.Ordinal);
                OrderedObjects[objectId] = OrderedObjects.GetValueOrDefault(objectId) + 1;
            }
        }

        public void RemoveLease(SqliteLease lease)
        {
            Leases.Remove(lease.DeliveryId);
            if (lease.Ordered && lease.ObjectId is { } objectId && OrderedObjects is { } objects && objects.TryGetValue(objectId, out var count))
            {
                if (count <= 1)
                {
                    objects.Remove(objectId);
                }
                else
                {
                    objects[objectId] = count - 1;
                }
            }

            if (Leases.Count == 0)
            {
                (MinUntil, AtMin) = (long.MaxValue, 0);
            }
            else if (lease.Until == MinUntil && --AtMin == 0)
            {
                // The last lease at the earliest end went (a claim's leases share one end): find the next.
                MinUntil = long.MaxValue;
                foreach (var other in Leases.Values)
                {
                    if (other.Until < MinUntil)
                    {
                        (MinUntil, AtMin) = (other.Until, 1);
                    }
                    else if (other.Until == MinUntil)
                    {
                        AtMin++;
                    }
                }
            }
        }
    }

    private sealed class DueOrder : IComparer<(long Key, string WebhookId)>
    {
        public static readonly DueOrder Instance = new();

        public int Compare((long Key, string WebhookId) x, (long Key, string WebhookId) y) =>
            x.Key != y.Key ? x.Key.CompareTo(y.Key) : string.CompareOrdinal(x.WebhookId, y.WebhookId);
    }
}
