namespace Herald.Storage.Postgres;

/// <summary>
/// Schema steps, applied in order under an advisory lock (<see cref="PostgresStoreMigrator"/>);
/// each runs once, in its own transaction, and is recorded in <c>schema_migrations</c>. Steps are
/// never edited once released: a change is a new step.
/// </summary>
internal static class PostgresMigrations
{
    // The SQLite schema, column for column, so statements port mechanically:
    // - Times are Unix milliseconds (bigint), as in SQLite: compared and indexed without time-zone
    //   arithmetic, written from the clock the caller passes. The one clock of a cluster is the
    //   database's (PostgresClock); statements that need "now" on their own use Now below.
    // - Flags and small enums are integer (status = 0 pending, held = 1, ordered = 1), not boolean,
    //   so "held = 0" reads the same in both providers.
    // - Ids and keys are text COLLATE "C": cursors compare ids ("id > $1"), and the order must be
    //   byte order (as SQLite's) whatever collation the database was created with.
    // - deliveries.seq and attempts.seq (identity) are what SQLite's rowid is: insert order. A
    //   claim orders equally due deliveries by seq, so one webhook's deliveries go out in publish
    //   order; the statistics read attempts by seq.
    public static readonly string[] Steps =
    [
        """
        CREATE TABLE api_keys (
            id text COLLATE "C" PRIMARY KEY,
            name text,
            domain_id text COLLATE "C",
            is_admin integer NOT NULL,
            key_hash text COLLATE "C" NOT NULL UNIQUE,
            created_at bigint NOT NULL
        );
        CREATE TABLE webhooks (
            id text COLLATE "C" PRIMARY KEY,
            domain_id text COLLATE "C",
            definition text NOT NULL,
            secrets text NOT NULL,
            status text NOT NULL,
            first_failed_at bigint,
            last_error text,
            created_at bigint NOT NULL,
            modified_at bigint NOT NULL,
            version bigint NOT NULL DEFAULT 1
        );
        CREATE INDEX webhooks_domain ON webhooks (domain_id, id);
        CREATE TABLE events (
            id text COLLATE "C" PRIMARY KEY,
            domain_id text COLLATE "C",
            event_type text COLLATE "C" NOT NULL,
            realm text,
            operation text NOT NULL,
            object_id text COLLATE "C",
            body bytea NOT NULL,
            received_at bigint NOT NULL,
            trace_parent text,
            trace_state text
        );
        CREATE TABLE idempotency_keys (
            scope text COLLATE "C" NOT NULL,
            key text COLLATE "C" NOT NULL,
            event_ids text NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (scope, key)
        );
        CREATE TABLE deliveries (
            id text COLLATE "C" PRIMARY KEY,
            seq bigint GENERATED ALWAYS AS IDENTITY,
            webhook_id text COLLATE "C" NOT NULL,
            event_id text COLLATE "C" NOT NULL,
            object_id text COLLATE "C",
            domain_id text COLLATE "C",
            status integer NOT NULL,
            held integer NOT NULL,
            ordered integer NOT NULL DEFAULT 0,
            attempt_count integer NOT NULL,
            next_attempt_at bigint,
            lease_owner text,
            lease_until bigint NOT NULL DEFAULT 0,
            last_status_code integer,
            last_error text,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL
        );
        -- Claims, the idle-time query, pausing and cancelling: pending deliveries per webhook by due time.
        CREATE INDEX deliveries_pending ON deliveries (webhook_id, next_attempt_at, seq) WHERE status = 0;
        -- ordering "object": is an earlier delivery of this object still pending?
        CREATE INDEX deliveries_order ON deliveries (webhook_id, object_id, seq) WHERE status = 0 AND ordered = 1;
        -- Listing by webhook (never moves after the insert), failed ones for bulk retry and failed-only replays.
        CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, id);
        CREATE INDEX deliveries_failed ON deliveries (webhook_id, id) WHERE status = 2;
        CREATE INDEX deliveries_object ON deliveries (object_id);
        -- Retention asks "is this event still referenced?".
        CREATE INDEX deliveries_event ON deliveries (event_id);
        -- Leases a node holds: given back at a graceful stop, taken over when they run out.
        CREATE INDEX deliveries_leased ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;
        CREATE TABLE attempts (
            delivery_id text COLLATE "C" NOT NULL,
            number integer NOT NULL,
            seq bigint GENERATED ALWAYS AS IDENTITY,
            started_at bigint NOT NULL,
            status_code integer,
            duration_ms double precision NOT NULL,
            error text,
            response_body text,
            PRIMARY KEY (delivery_id, number)
        );
        CREATE UNIQUE INDEX attempts_seq ON attempts (seq);
        CREATE TABLE replay_jobs (
            id text COLLATE "C" PRIMARY KEY,
            webhook_id text COLLATE "C" NOT NULL,
            domain_id text COLLATE "C",
            since bigint NOT NULL,
            until bigint NOT NULL,
            only_failed integer NOT NULL,
            status text NOT NULL,
            cursor text COLLATE "C",
            events_scanned bigint NOT NULL,
            deliveries_created bigint NOT NULL,
            created_at bigint NOT NULL,
            modified_at bigint NOT NULL
        );
        CREATE INDEX replay_jobs_running ON replay_jobs (created_at) WHERE status = 'running';
        CREATE TABLE data_protection_keys (
            name text COLLATE "C" PRIMARY KEY,
            xml text NOT NULL,
            added_at bigint NOT NULL
        );
        CREATE TABLE job_leases (
            name text COLLATE "C" PRIMARY KEY,
            owner text NOT NULL,
            expires_at bigint NOT NULL
        );
        -- One row the readiness check rewrites to prove writes get through.
        CREATE TABLE write_probe (
            id integer PRIMARY KEY,
            written_at bigint NOT NULL
        );
        """,
        // Step 2 (h-pgdeliv): each webhook's lane partition, for claims limited to a node's partitions.
        PostgresLanePartitionSchema.Step,

        // Step 3: cluster membership and webhook partition ownership (PostgresPartitionLeases): a node
        // is live while its heartbeat has not run out; a partition is owned while its lease has not.
        // Owner ids are compared with deliveries.lease_owner, so they are plain text like it.
        """
        CREATE TABLE cluster_nodes (
            id text PRIMARY KEY,
            expires_at bigint NOT NULL
        );
        CREATE TABLE partition_leases (
            partition integer PRIMARY KEY,
            owner text,
            expires_at bigint NOT NULL
        );
        CREATE INDEX partition_leases_owner ON partition_leases (owner);
        """,
    ];

    /// <summary>The database's clock as Unix milliseconds, for statements that read the time themselves.</summary>
    public const string Now = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
}
