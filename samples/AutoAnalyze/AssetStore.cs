using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AutoAnalyze;

/// <summary>What a delivery told us about an asset.</summary>
internal enum AssetFact
{
    /// <summary><c>assets.entity.create</c>: the asset is new, so it should be analyzed.</summary>
    Created,

    /// <summary><c>assets.proxies.update</c> with <c>data.status = "CLOSED"</c>: its proxy is ready.</summary>
    ProxyClosed,
}

/// <summary>
/// The assets table of the original listener (<c>items(object_id, finished)</c>), made safe for duplicate,
/// concurrent and out-of-order deliveries. An asset is analyzed when both facts are known, whatever order
/// they came in, and at most once: <see cref="RecordAsync"/> stores a fact and claims the analysis in one
/// <c>BEGIN IMMEDIATE</c> transaction with a conditional UPDATE, so of two concurrent deliveries only one
/// can win the claim.
/// </summary>
/// <remarks>
/// States: <c>waiting</c> (a fact is missing, or an analysis failed and was released), <c>analyzing</c>
/// (claimed; taken over after <see cref="AutoAnalyzeOptions.ClaimTimeout"/> if its process died),
/// <c>finished</c> (the analysis request succeeded; nothing happens to this asset again).
/// </remarks>
internal sealed class AssetStore(IOptions<AutoAnalyzeOptions> options, TimeProvider time)
{
    private const string CreateSql = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS assets (
            object_id TEXT NOT NULL PRIMARY KEY,
            created_at INTEGER NULL,
            proxy_closed_at INTEGER NULL,
            state TEXT NOT NULL DEFAULT 'waiting',
            claimed_at INTEGER NULL,
            finished_at INTEGER NULL
        ) WITHOUT ROWID;
        """;

    // COALESCE keeps the first sighting: a duplicate changes nothing.
    private const string CreatedSql = """
        INSERT INTO assets (object_id, created_at) VALUES ($id, $now)
        ON CONFLICT (object_id) DO UPDATE SET created_at = COALESCE(assets.created_at, excluded.created_at);
        """;

    private const string ProxyClosedSql = """
        INSERT INTO assets (object_id, proxy_closed_at) VALUES ($id, $now)
        ON CONFLICT (object_id) DO UPDATE SET proxy_closed_at = COALESCE(assets.proxy_closed_at, excluded.proxy_closed_at);
        """;

    // The claim: only one statement can move a row out of 'waiting' (or take over a stale claim).
    private const string ClaimSql = """
        UPDATE assets SET state = 'analyzing', claimed_at = $now
        WHERE object_id = $id AND created_at IS NOT NULL AND proxy_closed_at IS NOT NULL
          AND (state = 'waiting' OR (state = 'analyzing' AND claimed_at <= $staleBefore))
        RETURNING object_id;
        """;

    private const string FinishSql = "UPDATE assets SET state = 'finished', finished_at = $now WHERE object_id = $id AND state = 'analyzing';";
    private const string ReleaseSql = "UPDATE assets SET state = 'waiting', claimed_at = NULL WHERE object_id = $id AND state = 'analyzing';";
    private const string PurgeSql = "DELETE FROM assets WHERE created_at IS NULL AND proxy_closed_at < $before;";
    private const string StateSql = "SELECT state FROM assets WHERE object_id = $id;";

    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = options.Value.Database,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private long nextPurgeMilliseconds;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(options.Value.Database)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, CreateSql, null);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stores <paramref name="fact"/>; true when this call claimed the asset's analysis and must now run it.</summary>
    public async Task<bool> RecordAsync(string objectId, AssetFact fact, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: the write lock is taken before anything is read, so the claim sees the latest state.
        await using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
        await using (var record = Command(connection, fact == AssetFact.Created ? CreatedSql : ProxyClosedSql, objectId, transaction))
        {
            record.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        bool claimed;
        await using (var claim = Command(connection, ClaimSql, objectId, transaction))
        {
            claim.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            claim.Parameters.AddWithValue("$staleBefore", (now - options.Value.ClaimTimeout).ToUnixTimeMilliseconds());
            claimed = await claim.ExecuteScalarAsync(cancellationToken) is not null;
        }

        await PurgeIfDueAsync(connection, transaction, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return claimed;
    }

    /// <summary>The analysis request succeeded: the asset is done for good.</summary>
    public Task FinishAsync(string objectId, CancellationToken cancellationToken) => ExecuteAsync(FinishSql, objectId, cancellationToken);

    /// <summary>The analysis request failed: give the claim back so that the redelivery can try again.</summary>
    public Task ReleaseAsync(string objectId, CancellationToken cancellationToken) => ExecuteAsync(ReleaseSql, objectId, cancellationToken);

    /// <summary>The asset's state (<c>waiting</c>, <c>analyzing</c>, <c>finished</c>), or null when unknown.</summary>
    public async Task<string?> GetStateAsync(string objectId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, StateSql, objectId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private async Task ExecuteAsync(string sql, string objectId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, objectId);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Forgets CLOSED proxies whose create never came (assets older than this listener), at most hourly.</summary>
    private async Task PurgeIfDueAsync(SqliteConnection connection, SqliteTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var due = Interlocked.Read(ref nextPurgeMilliseconds);
        if (nowMs < due || Interlocked.CompareExchange(ref nextPurgeMilliseconds, nowMs + 3_600_000, due) != due)
        {
            return;
        }

        await using var purge = Command(connection, PurgeSql, null, transaction);
        purge.Parameters.AddWithValue("$before", (now - options.Value.UnmatchedRetention).ToUnixTimeMilliseconds());
        await purge.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, string? objectId, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        if (objectId is not null)
        {
            command.Parameters.AddWithValue("$id", objectId);
        }

        return command;
    }
}
