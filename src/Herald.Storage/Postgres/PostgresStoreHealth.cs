using Herald.Storage.Sqlite;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Ready when a pooled connection answers a read of the schema and a one-row write commits (a
/// read-only replica, a full disk or a lost connection each say so). Each check is bounded by a
/// short timeout, so <c>/readyz</c> answers even while the database hangs.
/// </summary>
internal sealed class PostgresStoreHealth(PostgresDatabase database, TimeProvider time) : IStoreHealth
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<StoreHealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await database.ScalarAsync("SELECT 1 FROM schema_migrations LIMIT 1", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new StoreHealthReport(false, "database unreachable", Reason(ex, "the database cannot be read"));
        }

        try
        {
            await database.ExecuteAsync(
                "INSERT INTO write_probe (id, written_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at",
                timeout.Token,
                UnixTime.ToMs(time.GetUtcNow())).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new StoreHealthReport(false, "database not writable", Reason(ex, "writes to the database fail"));
        }

        return StoreHealthReport.Healthy;
    }

    private static string Reason(Exception exception, string fallback) =>
        exception is OperationCanceledException ? "the database did not answer in time"
        : StorageFailures.IsUnavailable(exception, out var why) ? why
        : fallback;
}
