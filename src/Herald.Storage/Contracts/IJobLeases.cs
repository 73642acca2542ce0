namespace Herald.Storage;

/// <summary>
/// Named, expiring leases for background jobs that must run once per cluster (retention, replay):
/// a job asks before each round and skips the round when another owner holds the lease. Time is
/// the provider's clock (SQLite: the registered <see cref="TimeProvider"/>; PostgreSQL: the
/// database's <c>now()</c>), so owners on different machines never compare their own clocks.
/// </summary>
public interface IJobLeases
{
    /// <summary>
    /// Grants <paramref name="name"/> to <paramref name="owner"/> for <paramref name="ttl"/> from now
    /// when no one holds it, its holder's lease has run out, or <paramref name="owner"/> holds it
    /// already (a renewal, which extends it). False when another owner holds an unexpired lease.
    /// </summary>
    Task<bool> TryAcquireAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Gives the lease back if <paramref name="owner"/> holds it, so another owner need not wait for it to run out.</summary>
    Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken);
}
