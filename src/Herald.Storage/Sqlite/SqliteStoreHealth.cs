using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

internal sealed class SqliteStoreHealth(SqliteDatabase database) : IStoreHealth
{
    public Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
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
