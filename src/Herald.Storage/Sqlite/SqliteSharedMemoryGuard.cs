using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Storage.Sqlite;

/// <summary>
/// SQLite maps the database's <c>-shm</c> file (the WAL index) into memory. If something truncates
/// it while Herald runs (another tool, a restore over a live database, a stray <c>: &gt; file</c>),
/// the next access to the mapping kills the process with SIGBUS, and nothing says why. This guard
/// watches the file's size: when it shrinks, it says so on standard error and in the log and exits
/// with code 1 before SQLite touches the mapping again. It narrows the window (one poll) rather than
/// closing it; the database itself stays intact either way (the WAL index is rebuilt on restart).
/// </summary>
/// <remarks>
/// Writing the lost range back instead would keep the process alive on a zeroed WAL index, which
/// a transaction in flight could read as "page not in the WAL" and act on stale data: a crash is
/// safe for the database, that is not.
/// </remarks>
internal sealed partial class SqliteSharedMemoryGuard(SqliteDatabase database, ILogger<SqliteSharedMemoryGuard> logger) : BackgroundService
{
    /// <summary>The exit code when the guard stops the process.</summary>
    public const int ExitCode = 1;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = database.FilePath + "-shm";
        long largest = 0;
        var reportedMissing = false;
        using var timer = new PeriodicTimer(Poll);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                // Unlinked: the mapping keeps the old file alive, so nothing faults; only another
                // process opening the database now would not share Herald's index.
                if (largest > 0 && !reportedMissing)
                {
                    Log.SharedMemoryRemoved(logger, path);
                    reportedMissing = true;
                }

                continue;
            }

            reportedMissing = false;
            if (file.Length >= largest)
            {
                largest = file.Length;
                continue;
            }

            var message = $"The SQLite shared-memory file {path} was truncated from {largest} to {file.Length} bytes while Herald had it mapped; "
                + "the next access would kill the process with SIGBUS. Exiting; restart Herald, and make sure nothing else writes the database's files while it runs.";

            // Standard error first and synchronously: the log pipeline writes in the background.
            await Console.Error.WriteLineAsync(message).ConfigureAwait(false);
            Log.SharedMemoryTruncated(logger, path, largest, file.Length);
            Environment.Exit(ExitCode);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4005, Level = LogLevel.Critical, Message = "The SQLite shared-memory file {Path} was truncated from {Was} to {Now} bytes while mapped; exiting before it crashes the process (SIGBUS)")]
        public static partial void SharedMemoryTruncated(ILogger logger, string path, long was, long now);

        [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "The SQLite shared-memory file {Path} was removed while Herald runs; another process opening the database now would not share Herald's WAL index")]
        public static partial void SharedMemoryRemoved(ILogger logger, string path);
    }
}
