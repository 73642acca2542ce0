namespace Herald.Storage.Postgres;

/// <summary>
/// The claim round's statements (docs/architecture.md, "PostgreSQL: claims and leases"). One
/// statement picks, locks and leases; a second, in the same batch, reads the next due time.
/// </summary>
internal static class PostgresDeliveryClaims
{
    // A delivery due to go now: pending, due, not held, not in flight (a leased delivery's
    // next_attempt_at is its lease's end, so the due test alone passes over it; lease_until keeps
    // the rule explicit). An ordered one also waits while an earlier delivery of its object is
    // pending, or while any other of its object is in flight (a later one, when an earlier one was
    // retried). seq is insertion order, what SQLite's rowid is.
    private const string Due =
        """
        x.status = 0 AND x.next_attempt_at <= $2 AND x.held = 0 AND x.lease_until <= $2
              AND (x.ordered = 0 OR x.object_id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM deliveries e
                  WHERE e.webhook_id = x.webhook_id AND e.object_id = x.object_id AND e.status = 0 AND e.ordered = 1 AND e.seq <> x.seq
                    AND (e.seq < x.seq OR e.lease_until > $2)))
        """;

    /// <summary>
    /// $1 owner, $2 now (ms), $3 lease end (ms), $4 max, $5 listed webhook ids, $6 their capacities,
    /// $7 default capacity, $8 partitions (null: all). Returns the leased deliveries with their
    /// events, earliest due first; an event's body only on its first row (a fanned-out event's
    /// deliveries share it).
    /// </summary>
    // Each sending webhook in the partitions (a lane) offers its earliest due deliveries, locking them
    // as it reads (SKIP LOCKED: rows another claim holds are passed over, and the walk goes on to the
    // next ones); every row locked is a heap write, so a lane first offers about twice its fair share
    // of the claim (share), and only lanes that had more than that offer again, splitting between
    // them about twice the room the others left (one busy webhook among idle ones still fills the
    // claim). The earliest due of all offers are leased; the other locks end with the statement.
    public const string Claim =
        """
        WITH lanes AS (
            SELECT w.id, COALESCE(c.capacity, $7) AS capacity
            FROM webhooks w LEFT JOIN unnest($5::text[], $6::integer[]) AS c(id, capacity) ON c.id = w.id
            WHERE w.status IN ('ENABLED', 'FAILING') AND ($8::integer[] IS NULL OR w.lane_partition = ANY($8::integer[]))
              AND COALESCE(c.capacity, $7) > 0
        ),
        sized AS (
            SELECT id, capacity, (2 * $4 + count(*) OVER () - 1) / count(*) OVER () AS share FROM lanes
        ),
        first AS (
            SELECT l.id AS lane, l.capacity, l.share, x.id, x.seq, x.next_attempt_at AS due
            FROM sized l CROSS JOIN LATERAL (
                SELECT x.id, x.seq, x.next_attempt_at FROM deliveries x
                WHERE x.webhook_id = l.id AND
        """ + " " + Due +
        """

                ORDER BY x.next_attempt_at, x.seq
                LIMIT LEAST(l.capacity, l.share)
                FOR UPDATE SKIP LOCKED) x
        ),
        more AS (
            SELECT * FROM (
                SELECT DISTINCT ON (lane) lane, capacity, share, due, seq, count(*) OVER (PARTITION BY lane) AS taken
                FROM first ORDER BY lane, due DESC, seq DESC) f
            WHERE taken >= share AND capacity > taken
        ),
        room AS (
            SELECT GREATEST(0, $4 - (SELECT count(*) FROM first)) AS left_over, GREATEST(1, (SELECT count(*) FROM more)) AS lanes
        ),
        second AS (
            SELECT y.id, y.seq, y.next_attempt_at AS due
            FROM more m CROSS JOIN room r CROSS JOIN LATERAL (
                SELECT x.id, x.seq, x.next_attempt_at FROM deliveries x
                WHERE x.webhook_id = m.lane AND (x.next_attempt_at, x.seq) > (m.due, m.seq) AND
        """ + " " + Due +
        """

                ORDER BY x.next_attempt_at, x.seq
                LIMIT LEAST(m.capacity - m.taken, r.left_over, (2 * r.left_over + r.lanes - 1) / r.lanes)
                FOR UPDATE SKIP LOCKED) y
        ),
        picked AS (
            SELECT id, seq, due FROM (SELECT id, seq, due FROM first UNION ALL SELECT id, seq, due FROM second) u
            ORDER BY due, seq LIMIT $4
        ),
        claimed AS (
            -- Every picked row is locked by this statement and was pending and due under the lock.
            UPDATE deliveries d SET lease_owner = $1, lease_until = $3, next_attempt_at = $3
            FROM picked p WHERE d.id = p.id
            RETURNING d.seq, p.due, d.id, d.webhook_id, d.event_id, d.object_id, d.attempt_count
        )
        SELECT c.id, c.webhook_id, c.event_id, c.object_id, c.attempt_count, e.event_type, e.realm, e.operation,
            CASE WHEN row_number() OVER (PARTITION BY c.event_id ORDER BY c.due, c.seq) = 1 THEN e.body END,
            e.trace_parent, e.trace_state
        FROM claimed c JOIN events e ON e.id = c.event_id
        ORDER BY c.due, c.seq
        """;

    /// <summary>
    /// $1 now (ms), $2 partitions (null: all): the earliest due time after now of a pending delivery
    /// of a sending webhook; one index seek per webhook. Runs after the claim in the same batch, so
    /// the leases just taken count (each is due again at its end).
    /// </summary>
    public const string NextDue =
        """
        SELECT MIN(n.due) FROM webhooks w CROSS JOIN LATERAL (
            SELECT MIN(d.next_attempt_at) AS due FROM deliveries d WHERE d.webhook_id = w.id AND d.status = 0 AND d.next_attempt_at > $1) n
        WHERE w.status IN ('ENABLED', 'FAILING') AND ($2::integer[] IS NULL OR w.lane_partition = ANY($2::integer[]))
        """;
}
