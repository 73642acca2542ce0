using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Brings the schema up to date under a session advisory lock, so several nodes may start at once:
/// one applies the missing steps (each in its own transaction, recorded in <c>schema_migrations</c>),
/// the others wait on the lock, then find nothing left to do. Then measures the database's clock
/// (<see cref="PostgresClock"/>) before anything reads the time.
/// </summary>
internal sealed class PostgresStoreMigrator(PostgresDatabase database, PostgresClock clock) : IStoreMigrator
{
    /// <summary>First key of the advisory lock every node migrates under; the second is the schema's hash.</summary>
    internal const int LockSpace = 0x4802;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await MigrateOnceAsync(cancellationToken).ConfigureAwait(false);
            await clock.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            var reason = StorageFailures.IsUnavailable(ex, out var why) ? why : ex.Message;
            throw new StorageStartupException($"The PostgreSQL database '{database.DatabaseName}' cannot be used: {reason}", ex);
        }
    }

    /// <summary>The versions applied, oldest first (for tests and diagnostics).</summary>
    internal async Task<IReadOnlyList<int>> AppliedAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT version FROM schema_migrations ORDER BY version", r => r.GetInt32(0), cancellationToken).ConfigureAwait(false);

    private async Task MigrateOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var schema = database.Options.Schema;
        await using (var lockCommand = PostgresDatabase.Command(connection, "SELECT pg_advisory_lock($1, hashtext($2))", LockSpace, schema ?? string.Empty))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (schema is not null)
            {
                // Under the lock: concurrent CREATE SCHEMA IF NOT EXISTS can still collide.
                await using var createSchema = PostgresDatabase.Command(connection, $"CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
                await createSchema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var create = PostgresDatabase.Command(
                connection,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            int current;
            await using (var read = PostgresDatabase.Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
            {
                current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            }

            for (var version = current + 1; version <= PostgresMigrations.Steps.Length; version++)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var step = new NpgsqlCommand(PostgresMigrations.Steps[version - 1], connection, transaction))
                {
                    await step.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var record = PostgresDatabase.Command(connection, "INSERT INTO schema_migrations (version) VALUES ($1)", version))
                {
                    record.Transaction = transaction;
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // Closing the connection would release the lock too, but a pooled connection stays open.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var unlock = PostgresDatabase.Command(connection, "SELECT pg_advisory_unlock($1, hashtext($2))", LockSpace, schema ?? string.Empty);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
