using Microsoft.Data.Sqlite;

namespace Herald.Receiver;

/// <summary>
/// An <see cref="IDeliveryDeduplicationStore"/> in a SQLite file: marks survive restarts and can be shared
/// by several processes on one machine. The table <c>herald_receiver_deliveries</c> is created on first use;
/// expired rows are deleted every <see cref="DeliveryDeduplicationOptions.CleanupInterval"/>.
/// </summary>
public sealed class SqliteDeliveryDeduplicationStore : IDeliveryDeduplicationStore, IDisposable
{
    // state: 0 = in progress (a claim), 1 = processed.
    private const long Processed = 1;

    private const string CreateSql = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS herald_receiver_deliveries (
            delivery_id TEXT NOT NULL PRIMARY KEY,
            state INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS herald_receiver_deliveries_expires_at ON herald_receiver_deliveries (expires_at);
        """;

    // One statement, so the claim is atomic even across processes: it inserts, or takes over an expired
    // mark, or changes nothing (and returns no row) when a live mark exists.
    private const string ClaimSql = """
        INSERT INTO herald_receiver_deliveries (delivery_id, state, expires_at) VALUES ($id, 0, $expires)
        ON CONFLICT (delivery_id) DO UPDATE SET state = 0, expires_at = excluded.expires_at
            WHERE herald_receiver_deliveries.expires_at <= $now
        RETURNING delivery_id;
        """;

    private const string StateSql = "SELECT state FROM herald_receiver_deliveries WHERE delivery_id = $id AND expires_at > $now;";

    private const string ProcessedSql = """
        INSERT INTO herald_receiver_deliveries (delivery_id, state, expires_at) VALUES ($id, 1, $expires)
        ON CONFLICT (delivery_id) DO UPDATE SET state = 1, expires_at = excluded.expires_at;
        """;

    private const string ForgetSql = "DELETE FROM herald_receiver_deliveries WHERE delivery_id = $id AND state = 0;";
    private const string PurgeSql = "DELETE FROM herald_receiver_deliveries WHERE expires_at <= $now;";

    private readonly string connectionString;
    private readonly DeliveryDeduplicationOptions options;
    private readonly TimeProvider timeProvider;
    private readonly SemaphoreSlim initLock = new(1, 1);
    private volatile bool initialized;
    private long nextCleanupMilliseconds;

    /// <summary>Creates a store on the SQLite file at <paramref name="databasePath"/> (created when absent).</summary>
    /// <param name="databasePath">The database file; its directory must exist.</param>
    /// <param name="options">Retention, claim timeout and cleanup interval; defaults when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public SqliteDeliveryDeduplicationStore(string databasePath, DeliveryDeduplicationOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        this.options = options ?? new DeliveryDeduplicationOptions();
        this.options.Validate(nameof(options));
        this.timeProvider = timeProvider ?? TimeProvider.System;
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <inheritdoc />
    public async ValueTask<DeliveryMarkResult> TryMarkSeenAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryId);
        await using var connection = await OpenAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        await CleanupIfDueAsync(connection, now, cancellationToken);

        await using (var claim = Command(connection, ClaimSql, deliveryId, now))
        {
            claim.Parameters.AddWithValue("$expires", (now + options.ClaimTimeout).ToUnixTimeMilliseconds());
            if (await claim.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return DeliveryMarkResult.Marked;
            }
        }

        // Only informational: a claim that vanished in between still means "someone else has it".
        await using var lookup = Command(connection, StateSql, deliveryId, now);
        var value = await lookup.ExecuteScalarAsync(cancellationToken);
        return value is long state && state == Processed ? DeliveryMarkResult.Duplicate : DeliveryMarkResult.InProgress;
    }

    /// <inheritdoc />
    public async ValueTask MarkProcessedAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryId);
        await using var connection = await OpenAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        await using var command = Command(connection, ProcessedSql, deliveryId, now);
        command.Parameters.AddWithValue("$expires", (now + options.Retention).ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask ForgetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryId);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, ForgetSql, deliveryId, now: null);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes every expired mark now.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number of marks deleted.</returns>
    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await PurgeAsync(connection, timeProvider.GetUtcNow(), cancellationToken);
    }

    /// <summary>Releases pooled connections to the database file.</summary>
    public void Dispose()
    {
        using (var connection = new SqliteConnection(connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        initLock.Dispose();
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (!initialized)
            {
                await InitializeAsync(connection, cancellationToken);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await initLock.WaitAsync(cancellationToken);
        try
        {
            if (!initialized)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = CreateSql;
                await command.ExecuteNonQueryAsync(cancellationToken);
                initialized = true;
            }
        }
        finally
        {
            initLock.Release();
        }
    }

    private async Task CleanupIfDueAsync(SqliteConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var due = Interlocked.Read(ref nextCleanupMilliseconds);
        // The exchange lets one caller of many run the cleanup; the others go on at once.
        if (nowMs >= due && Interlocked.CompareExchange(ref nextCleanupMilliseconds, nowMs + (long)options.CleanupInterval.TotalMilliseconds, due) == due)
        {
            await PurgeAsync(connection, now, cancellationToken);
        }
    }

    private static async Task<int> PurgeAsync(SqliteConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, PurgeSql, deliveryId: null, now);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, string? deliveryId, DateTimeOffset? now)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        if (deliveryId is not null)
        {
            command.Parameters.AddWithValue("$id", deliveryId);
        }

        if (now is { } at)
        {
            command.Parameters.AddWithValue("$now", at.ToUnixTimeMilliseconds());
        }

        return command;
    }
}
