using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Storage.Sqlite;

/// <summary>
/// WAL checkpoints beside the writer instead of inside its commits. SQLite's automatic checkpoint
/// runs in the commit that crosses 1,000 WAL pages: it copies every page back into the database
/// file and fsyncs it while the one writer waits, and in a 100-webhook fan-out that was a fifth of
/// Herald's CPU, all of it on the serial path. Here the writer only counts the pages it appended
/// and wakes this thread, which checkpoints on a connection of its own (PASSIVE: it never blocks
/// the writer or a reader) while the writer goes on.
/// </summary>
/// <remarks>
/// A WAL file starts over only when a checkpoint has copied all of it and the next write begins;
/// a checkpoint racing a busy writer never gets there, so the writer runs one itself now and then
/// (<see cref="SqliteOptions.WalRestartPages"/>), between two transactions, after waiting for a background one in
/// progress. By then the background has copied nearly everything, so that checkpoint is short. A failed checkpoint loses nothing: the pages stay in
/// the WAL, where every reader finds them, and the next one tries again.
/// </remarks>
internal sealed partial class SqliteCheckpointer : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _sinceBackground;
    private long _sinceWriter;
    private long _checkpoints;
    private int _disposed;

    public SqliteCheckpointer(SqliteDatabase database, ILogger? logger = null)
    {
        _database = database;
        _logger = logger ?? NullLogger.Instance;
        _thread = new Thread(Run) { IsBackground = true, Name = "Herald SQLite checkpoint" };
        _thread.Start();
    }

    /// <summary>Background checkpoints that copied pages so far (for tests and diagnostics).</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>
    /// Called by the writer after each commit with the pages it appended to the WAL; true when the
    /// writer should now checkpoint itself (see <see cref="WriterCheckpoint"/>).
    /// </summary>
    public bool Appended(long pages)
    {
        if (pages <= 0)
        {
            return false;
        }

        _sinceBackground += pages;
        _sinceWriter += pages;
        if (_sinceBackground >= _database.Options.CheckpointPages)
        {
            _sinceBackground = 0;
            if (_wake.CurrentCount == 0)
            {
                try
                {
                    _wake.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Already woken.
                }
            }
        }

        return _sinceWriter >= _database.Options.WalRestartPages;
    }

    /// <summary>The writer's own checkpoint, on its connection between two transactions, so the next one starts the WAL over.</summary>
    public void WriterCheckpoint(SqliteConnection connection)
    {
        // After a background checkpoint in progress (mostly done), else this one would find the
        // checkpoint lock taken and the WAL would not start over.
        using var scope = _gate.EnterScope();
        var result = SQLitePCL.raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", SQLitePCL.raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out var copied);
        if (result == SQLitePCL.raw.SQLITE_OK)
        {
            _sinceWriter = 0;
            Log.WriterCheckpoint(_logger, log, copied);
            return;
        }

        // Tried again half a restart interval later, not after every commit.
        _sinceWriter = _database.Options.WalRestartPages / 2;
        if (result != SQLitePCL.raw.SQLITE_BUSY)
        {
            Log.CheckpointFailed(_logger, "writer", result, SQLitePCL.raw.sqlite3_errstr(result).utf8_to_string());
        }
    }

    /// <summary>Pages the writer's connection wrote to the WAL since the last call.</summary>
    public static long TakeWrittenPages(SqliteConnection connection)
    {
        SQLitePCL.raw.sqlite3_db_status(connection.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, out var current, out _, 1);
        return current;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
        _wake.Dispose();
    }

    private void Run()
    {
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                try
                {
                    _wake.Wait(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                try
                {
                    connection ??= Open();
                    using var scope = _gate.EnterScope();
                    var result = SQLitePCL.raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", SQLitePCL.raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out var copied);
                    if (result == SQLitePCL.raw.SQLITE_OK)
                    {
                        Interlocked.Increment(ref _checkpoints);
                        Log.BackgroundCheckpoint(_logger, log, copied);
                    }
                    else if (result != SQLitePCL.raw.SQLITE_BUSY)
                    {
                        Log.CheckpointFailed(_logger, "background", result, SQLitePCL.raw.sqlite3_errstr(result).utf8_to_string());
                    }
                }
                catch (Exception ex)
                {
                    // Open failed (the file went away, a full disk), or anything else: this thread must
                    // live on, and the WAL keeps every page; try at the next wake.
                    Log.CheckpointThrew(_logger, ex);
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private SqliteConnection Open()
    {
        var connection = _database.Open();
        try
        {
            // Checkpoints fsync the WAL before copying and the database file after, as durable as
            // the writer's setting asks.
            SqliteDatabase.Execute(connection, $"PRAGMA synchronous = {_database.Options.Synchronous};");
            SqliteDatabase.Execute(connection, "PRAGMA wal_autocheckpoint = 0;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "WAL checkpoint in the background: {Copied} of {Frames} pages in the database file")]
        public static partial void BackgroundCheckpoint(ILogger logger, int frames, int copied);

        [LoggerMessage(EventId = 1302, Level = LogLevel.Debug, Message = "WAL checkpoint by the writer: {Copied} of {Frames} pages in the database file")]
        public static partial void WriterCheckpoint(ILogger logger, int frames, int copied);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "WAL checkpoint ({Who}) failed: SQLite error {Code} ({Reason}); the pages stay in the WAL and the next checkpoint tries again")]
        public static partial void CheckpointFailed(ILogger logger, string who, int code, string reason);

        [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "WAL checkpoint could not run; the pages stay in the WAL and the next checkpoint tries again")]
        public static partial void CheckpointThrew(ILogger logger, Exception exception);
    }
}
