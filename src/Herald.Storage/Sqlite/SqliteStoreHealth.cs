using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

internal sealed class SqliteStoreHealth(SqliteDatabase database) : IStoreHealth
{
    public Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        // A pooled connection keeps working on a file that was deleted under it; the file
        // being gone is exactly what readiness must report.
        if (!File.Exists(database.FilePath))
        {
            return Task.FromResult(false);
        }

        try
        {
            using var connection = database.Open();
            SqliteDatabase.Execute(connection, "SELECT 1 FROM schema_version LIMIT 1;");
            return Task.FromResult(true);
        }
        catch (SqliteException)
        {
            return Task.FromResult(false);
        }
    }
}
