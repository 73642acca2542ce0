using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The one writer. Requests queue up and are folded into a single transaction (group commit): SQLite
/// commits ~3,500 single-row transactions/s here but ~22,700 rows/s in batches, so concurrency turns
/// into batching instead of lock contention. Each request runs inside its own SAVEPOINT, so one
/// failing request rolls back alone; results are released only after the COMMIT is durable.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private readonly Channel<IWriteRequest> _queue = Channel.CreateUnbounded<IWriteRequest>(
        new UnboundedChannelOptions { SingleReader = true });

    private readonly SqliteDatabase _database;
    private readonly SqliteWriteHealth _health;
    private readonly SqliteMetrics? _metrics;
    private readonly SqliteCheckpointer _checkpointer;
    private readonly Task _loop;

    public SqliteWriter(SqliteDatabase database, SqliteWriteHealth health, SqliteMetrics? metrics = null, ILogger<SqliteWriter>? logger = null)
    {
        _database = database;
        _health = health;
        _metrics = metrics;
        _checkpointer = new SqliteCheckpointer(database, logger);
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>
    /// Queues <paramref name="work"/> for the next transaction. <paramref name="durable"/> false
    /// marks bookkeeping whose loss on power failure only repeats work (a claim, an attempt
    /// record: the delivery is sent again, which at-least-once allows); a transaction holding only
    /// such requests commits without an fsync. Anything a client was promised (an accepted event,
    /// a saved webhook) stays durable.
    /// </summary>
    public Task<T> ExecuteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken, bool durable = true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new WriteRequest<T>(work, durable);
        if (!_queue.Writer.TryWrite(request))
        {
            // Shutting down: a request that arrives now is refused like any other unavailable write (503).
            throw new StorageUnavailableException("the server is shutting down", new ObjectDisposedException(nameof(SqliteWriter)));
        }

        return request.Task;
    }

    /// <summary>The checkpoints beside this writer (for tests).</summary>
    internal SqliteCheckpointer Checkpointer => _checkpointer;

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        finally
        {
            _checkpointer.Dispose();
        }
    }

    private async Task RunAsync()
    {
        using var connection = _database.Open();

        // The writer's statements are prepared once and run many times, so their plans must not
        // depend on bound values: without this, SQLite re-prepares a cached statement whenever a
        // parameter it looked at changes, and the dispatcher's claim statement was compiled again on
        // every run (a fifth of Herald's CPU under load). Readers prepare per call and keep the
        // value-specific plans (an API filter that is NULL costs nothing).
        SQLitePCL.raw.sqlite3_db_config(connection.Handle, SQLitePCL.raw.SQLITE_DBCONFIG_ENABLE_QPSG, 1, out _);
        SqliteDatabase.Execute(connection, $"PRAGMA synchronous = {_database.Options.Synchronous};");

        // Every request runs in a SAVEPOINT, so SQLite keeps a statement journal of the pages it
        // changes; in a temporary file that cost a pwrite per page (a tenth of Herald's CPU in a
        // 100-webhook fan-out). It is only ever read to roll one request back: memory will do.
        SqliteDatabase.Execute(connection, "PRAGMA temp_store = MEMORY;");

        // Checkpoints run beside the writer (SqliteCheckpointer), not inside its commits.
        SqliteDatabase.Execute(connection, "PRAGMA wal_autocheckpoint = 0;");
        SqliteCheckpointer.TakeWrittenPages(connection);
        using var session = new SqliteSession(connection);
        var durableMode = _database.Options.Synchronous;
        var synchronous = durableMode;
        var batch = new List<IWriteRequest>(_database.Options.MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _database.Options.MaxBatch && reader.TryRead(out var request))
            {
                batch.Add(request);
            }

            // WAL with synchronous=NORMAL still commits atomically and survives a process crash;
            // only the fsync is skipped, and the next durable commit syncs everything before it.
            var wanted = batch.Exists(r => r.Durable) ? durableMode : "NORMAL";
            if (!string.Equals(wanted, synchronous, StringComparison.Ordinal))
            {
                session.Run($"PRAGMA synchronous = {wanted};");
                synchronous = wanted;
            }

            var started = Stopwatch.GetTimestamp();
            RunBatch(session, batch, _health);
            _metrics?.Committed(batch.Count, Stopwatch.GetElapsedTime(started));
            batch.Clear();
            if (_checkpointer.Appended(SqliteCheckpointer.TakeWrittenPages(connection)))
            {
                _checkpointer.WriterCheckpoint(connection);
            }
        }
    }

    private static void RunBatch(SqliteSession session, List<IWriteRequest> batch, SqliteWriteHealth health)
    {
        var db = session.Connection.Handle!;
        var changesBefore = SQLitePCL.raw.sqlite3_total_changes(db);
        string? storageFailure = null;
        Exception? failure = null;
        try
        {
            session.Run("BEGIN IMMEDIATE;");
            foreach (var request in batch)
            {
                session.Run("SAVEPOINT request;");
                try
                {
                    request.Execute(session);
                    session.Run("RELEASE request;");
                }
                catch (Exception ex)
                {
                    // Any failure belongs to its request alone; the loop must survive it.
                    session.Run("ROLLBACK TO request; RELEASE request;");
                    request.Fail(ex);
                    if (StorageFailures.IsUnavailable(ex, out var reason))
                    {
                        (storageFailure, failure) = (reason, ex);
                    }
                }
            }

            session.Run("COMMIT;");
        }
        catch (SqliteException ex)
        {
            // The transaction itself failed (BEGIN, COMMIT, a broken savepoint): nothing of the
            // batch is stored, and every request learns it at once.
            TryRollback(session);
            foreach (var request in batch)
            {
                request.Fail(ex);
            }

            if (StorageFailures.IsUnavailable(ex, out var reason))
            {
                (storageFailure, failure) = (reason, ex);
            }
        }

        // Only a commit that stored something proves writes get through: an empty transaction
        // (a claim that found nothing) commits even on a full disk.
        if (storageFailure is not null)
        {
            health.Failed(storageFailure, failure!);
        }
        else if (SQLitePCL.raw.sqlite3_total_changes(db) != changesBefore)
        {
            health.Succeeded();
        }

        foreach (var request in batch)
        {
            request.Publish();
        }
    }

    private static void TryRollback(SqliteSession session)
    {
        try
        {
            session.Run("ROLLBACK;");
        }
        catch (SqliteException)
        {
            // No transaction was open (BEGIN itself failed); nothing to undo.
        }
    }

    private interface IWriteRequest
    {
        bool Durable { get; }

        void Execute(SqliteSession session);

        void Fail(Exception exception);

        void Publish();
    }

    private sealed class WriteRequest<T>(Func<SqliteSession, T> work, bool durable) : IWriteRequest
    {
        public bool Durable => durable;

        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public void Execute(SqliteSession session) => _result = work(session);

        public void Fail(Exception exception) => _error = exception;

        public void Publish()
        {
            if (_error is null)
            {
                _completion.TrySetResult(_result!);
            }
            else
            {
                _completion.TrySetException(_error);
            }
        }
    }
}
