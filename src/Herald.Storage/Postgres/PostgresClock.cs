using System.Diagnostics;
using System.Globalization;

namespace Herald.Storage.Postgres;

/// <summary>
/// The cluster's one clock is the database's. Nodes run on machines whose clocks drift apart, yet
/// leases, due times and rate windows written by one node are compared by another; so every node
/// reads the time as its local clock plus its measured offset to PostgreSQL's
/// <c>clock_timestamp()</c>. Registered as the process's <see cref="TimeProvider"/> when PostgreSQL
/// is configured, which makes the store contract's rule ("every time passed in comes from the clock
/// the provider defines; callers read it") hold literally, while tests keep passing a
/// <c>FakeTimeProvider</c> instead.
/// <para>
/// The offset is measured at start (<see cref="PostgresStoreMigrator"/>) and again every
/// <see cref="PostgresOptions.ClockSyncInterval"/> (<see cref="PostgresNodeService"/>): several
/// round trips, keeping the one with the smallest round-trip time, whose midpoint is the best
/// estimate of when the database read its clock (error at most half that round trip). Timers and
/// stopwatches (<see cref="TimeProvider.GetTimestamp"/>) stay local: they measure durations, not
/// points in time.
/// </para>
/// </summary>
internal sealed class PostgresClock : TimeProvider
{
    private const int Samples = 5;

    private readonly PostgresDatabase _database;
    private readonly TimeProvider _local;
    private long _offsetTicks;

    public PostgresClock(PostgresDatabase database)
        : this(database, System)
    {
    }

    internal PostgresClock(PostgresDatabase database, TimeProvider local)
    {
        _database = database;
        _local = local;
    }

    /// <summary>The database's clock minus the local clock, as last measured.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Half the round trip of the sample the offset came from: how far off it may be.</summary>
    public TimeSpan Uncertainty { get; private set; }

    /// <summary>When the offset was last measured (local clock); null before the first measurement.</summary>
    public DateTimeOffset? SynchronizedAt { get; private set; }

    public override DateTimeOffset GetUtcNow() => _local.GetUtcNow() + Offset;

    public override long GetTimestamp() => _local.GetTimestamp();

    public override long TimestampFrequency => _local.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _local.CreateTimer(callback, state, dueTime, period);

    /// <summary>Measures the offset to the database's clock (several samples, the fastest round trip wins).</summary>
    public async Task SynchronizeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = PostgresDatabase.Command(connection, "SELECT (extract(epoch from clock_timestamp()) * 1000000)::bigint");
        var best = TimeSpan.MaxValue;
        var offset = TimeSpan.Zero;
        for (var i = 0; i < Samples; i++)
        {
            var before = _local.GetUtcNow();
            var started = Stopwatch.GetTimestamp();
            var microseconds = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var roundTrip = Stopwatch.GetElapsedTime(started);
            if (roundTrip < best)
            {
                best = roundTrip;
                var database = DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10);
                offset = database - (before + (roundTrip / 2));
            }
        }

        Interlocked.Exchange(ref _offsetTicks, offset.Ticks);
        Uncertainty = best / 2;
        SynchronizedAt = _local.GetUtcNow();
    }
}
