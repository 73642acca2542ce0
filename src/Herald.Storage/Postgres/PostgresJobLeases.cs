namespace Herald.Storage.Postgres;

/// <summary>
/// Job leases in <c>job_leases</c>, timed by the database's own clock (<c>clock_timestamp()</c>,
/// read in the statement), so nodes never compare their clocks. One conditional upsert: of two
/// nodes racing for a free or expired lease, the row lock lets exactly one win.
/// </summary>
internal sealed class PostgresJobLeases(PostgresDatabase database) : IJobLeases
{
    public async Task<bool> TryAcquireAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        return await database.ExecuteAsync(
            $"""
            INSERT INTO job_leases (name, owner, expires_at) VALUES ($1, $2, {PostgresMigrations.Now} + $3)
            ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
            WHERE job_leases.owner = excluded.owner OR job_leases.expires_at <= {PostgresMigrations.Now}
            """,
            cancellationToken,
            name, owner, (long)Math.Ceiling(ttl.TotalMilliseconds)).ConfigureAwait(false) > 0;
    }

    public Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM job_leases WHERE name = $1 AND owner = $2", cancellationToken, name, owner);
}
