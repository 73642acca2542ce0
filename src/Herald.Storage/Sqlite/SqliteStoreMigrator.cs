namespace Herald.Storage.Sqlite;

/// <summary>
/// Migrates under <c>BEGIN EXCLUSIVE</c> and proves the file writable (see <see cref="SqliteDatabase.Start"/>).
/// One process owns a SQLite file, so job leases left by an earlier process belong to a process
/// that is gone: the start takes them back (as it does delivery leases), and this process always
/// gets its job leases.
/// </summary>
internal sealed class SqliteStoreMigrator(SqliteDatabase database) : IStoreMigrator
{
    public Task MigrateAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        database.Start();
        using var connection = database.Open();
        SqliteDatabase.Execute(connection, "DELETE FROM job_leases;");
        return Task.CompletedTask;
    }
}
