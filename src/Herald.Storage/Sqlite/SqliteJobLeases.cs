namespace Herald.Storage.Sqlite;

/// <summary>
/// Job leases in <c>job_leases</c>. One process owns a SQLite file, so in practice it always gets
/// them, but the rules are the real ones (one unexpired holder, renewal, release), run in the writer.
/// </summary>
internal sealed class SqliteJobLeases(SqliteWriter writer, TimeProvider time) : IJobLeases
{
    public Task<bool> TryAcquireAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        return writer.ExecuteAsync(
            session =>
            {
                // The clock is read inside the writer, so leases are compared in the order they are written.
                var now = time.GetUtcNow();
                return session.Execute(
                    """
                    INSERT INTO job_leases (name, owner, expires_at) VALUES ($0, $1, $2)
                    ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                    WHERE job_leases.owner = excluded.owner OR job_leases.expires_at <= $3
                    """,
                    name, owner, UnixTime.ToMs(now + ttl), UnixTime.ToMs(now)) > 0;
            },
            cancellationToken);
    }

    public Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(session => session.Execute("DELETE FROM job_leases WHERE name = $0 AND owner = $1", name, owner), cancellationToken);
}
