using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Ready when the file is there, answers a read, and writes get through. While the writer reports
/// failing writes, each check runs one write probe through the writer (concurrent checks share it),
/// so an idle server notices by itself when space returns.
/// </summary>
internal sealed class SqliteStoreHealth(SqliteDatabase database, SqliteWriter writer, SqliteWriteHealth writes) : IStoreHealth
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private Task? _probe;

    public async Task<StoreHealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        // A pooled connection keeps working on a file that was deleted under it; the file
        // being gone is exactly what readiness must report.
        if (!File.Exists(database.FilePath))
        {
            return new StoreHealthReport(false, "database unreachable", "the database file is gone");
        }

        try
        {
            using var connection = database.Open();
            SqliteDatabase.Execute(connection, "SELECT 1 FROM schema_version LIMIT 1;");
        }
        catch (SqliteException ex)
        {
            return new StoreHealthReport(false, "database unreachable", StorageFailures.IsUnavailable(ex, out var why) ? why : "the database cannot be read");
        }

        if (writes.Failure is null)
        {
            return StoreHealthReport.Healthy;
        }

        try
        {
            await SharedProbe().WaitAsync(ProbeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The writer is stuck behind something slower; still failing as far as we know.
        }

        return writes.Failure is { } reason ? new StoreHealthReport(false, "database not writable", reason) : StoreHealthReport.Healthy;
    }

    private Task SharedProbe()
    {
        lock (_gate)
        {
            if (_probe is null || _probe.IsCompleted)
            {
                _probe = ProbeAsync();
            }

            return _probe;
        }
    }

    private async Task ProbeAsync()
    {
        try
        {
            // Not durable: the probe only asks whether the write fits; the writer records the outcome.
            await writer.ExecuteAsync(session => session.Execute(SqliteDatabase.WriteProbe), CancellationToken.None, durable: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsUnavailable(ex, out _))
        {
            // Recorded by the writer as failing writes; the caller reads that.
        }
    }
}
