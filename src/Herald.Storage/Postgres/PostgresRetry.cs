using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Runs a write again when PostgreSQL aborted it for a deadlock or a serialization failure. Writes
/// that lock several delivery rows (completions, releases, bulk cancels) can meet in another order
/// on a shared database; the loser is rolled back whole, so trying it again is safe.
/// </summary>
internal static class PostgresRetry
{
    private const int Tries = 5;

    public static async Task<T> OnConflictAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write().ConfigureAwait(false);
            }
            catch (PostgresException ex) when (attempt < Tries && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt * Random.Shared.Next(1, 5)), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
