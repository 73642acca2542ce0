using System.Diagnostics.Metrics;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The store's instruments on the <c>Herald</c> meter (the host's meter factory hands out the same
/// meter to every caller): the group-commit writer's batch size and transaction time, recorded
/// once per transaction; and the pending and due deliveries, counted on the read side only when
/// metrics are collected (one query per collection, shared by both gauges).
/// </summary>
internal sealed class SqliteMetrics
{
    // Both gauges are read in the same collection, microseconds apart: one query serves both.
    private static readonly TimeSpan CountFor = TimeSpan.FromMilliseconds(100);

    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _commitDuration;
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private (long Pending, long Due, long At) _counted;

    private readonly SqliteLeases _leases;

    public SqliteMetrics(IMeterFactory meters, SqliteDatabase database, TimeProvider time, SqliteLeases leases)
    {
        _leases = leases;
        _database = database;
        _time = time;
        var meter = meters.Create("Herald");
        _batchSize = meter.CreateHistogram(
            "herald.writer.batch.size",
            "{request}",
            "Write requests folded into one SQLite transaction by the group-commit writer.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        _commitDuration = meter.CreateHistogram(
            "herald.writer.commit.duration",
            "s",
            "Time of one writer transaction, from BEGIN to the end of COMMIT (with its fsync when durable).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
        meter.CreateObservableGauge("herald.deliveries.pending", () => Count().Pending, "{delivery}", "Deliveries not yet finished (status pending), in flight, waiting for a retry or held.");
        meter.CreateObservableGauge("herald.deliveries.due", () => Count().Due, "{delivery}", "Pending deliveries due now and not held or leased: the backlog waiting to be claimed.");
    }

    public void Committed(int requests, TimeSpan duration)
    {
        _batchSize.Record(requests);
        _commitDuration.Record(duration.TotalSeconds);
    }

    private (long Pending, long Due) Count()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_counted.At != 0 && now.UtcTicks - _counted.At < CountFor.Ticks)
            {
                return (_counted.Pending, _counted.Due);
            }

            // The pending partial index holds exactly these rows: a count walks it, not the table.
            using var connection = _database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*), COALESCE(SUM(held = 0 AND next_attempt_at <= $now), 0) FROM deliveries WHERE status = 0";
            command.Parameters.AddWithValue("$now", UnixTime.ToMs(now));
            using var reader = command.ExecuteReader();
            reader.Read();
            // Leases live in memory: a leased delivery's row still looks due.
            _counted = (reader.GetInt64(0), Math.Max(0, reader.GetInt64(1) - _leases.Count), now.UtcTicks);
            return (_counted.Pending, _counted.Due);
        }
    }
}
