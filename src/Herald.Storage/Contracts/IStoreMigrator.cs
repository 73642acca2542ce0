namespace Herald.Storage;

/// <summary>
/// Brings the database schema up to date: the first startup step, run before any store is used
/// (registering the stores does not touch the database). Safe to call on every start and from
/// several processes at once: the provider holds a lock across reading the schema version and
/// applying the missing steps, so concurrent starts apply each step exactly once and all succeed.
/// SQLite: one <c>BEGIN EXCLUSIVE</c> transaction (the other starts wait on the busy timeout);
/// PostgreSQL: an advisory lock around the steps.
/// Throws <see cref="StorageStartupException"/> when the database cannot be used (read-only,
/// unreadable, full), naming the problem.
/// </summary>
public interface IStoreMigrator
{
    Task MigrateAsync(CancellationToken cancellationToken);
}
