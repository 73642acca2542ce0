namespace Herald.Storage.Sqlite;

/// <summary>Migrates under <c>BEGIN EXCLUSIVE</c> and proves the file writable (see <see cref="SqliteDatabase.Start"/>).</summary>
internal sealed class SqliteStoreMigrator(SqliteDatabase database) : IStoreMigrator
{
    public Task MigrateAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        database.Start();
        return Task.CompletedTask;
    }
}
