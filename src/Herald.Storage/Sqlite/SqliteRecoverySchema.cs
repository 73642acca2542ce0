namespace Herald.Storage.Sqlite;

/// <summary>Migration step 3: durable replay jobs, and the index retention needs to keep referenced events.</summary>
internal static class SqliteRecoverySchema
{
    // cursor: the last event id (or, with only_failed, delivery id) a committed chunk covered; a
    // restart resumes after it. deliveries_event lets retention ask "is this event still referenced?"
    // without scanning deliveries.
    public const string Step =
        """
        CREATE TABLE replay_jobs (
            id TEXT PRIMARY KEY,
            webhook_id TEXT NOT NULL,
            domain_id TEXT,
            since INTEGER NOT NULL,
            until INTEGER NOT NULL,
            only_failed INTEGER NOT NULL,
            status TEXT NOT NULL,
            cursor TEXT,
            events_scanned INTEGER NOT NULL,
            deliveries_created INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            modified_at INTEGER NOT NULL
        );
        CREATE INDEX replay_jobs_running ON replay_jobs(created_at) WHERE status = 'running';
        CREATE INDEX deliveries_event ON deliveries(event_id);
        """;
}
