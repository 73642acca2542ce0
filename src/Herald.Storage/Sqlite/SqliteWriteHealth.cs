using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Whether writes are getting through, as the writer last saw it: a transaction that fails for a
/// storage reason (disk full, read-only, I/O error) marks writes as failing; the next transaction
/// that stores something clears it. <c>/readyz</c> reads it.
/// </summary>
internal sealed partial class SqliteWriteHealth(ILogger<SqliteWriteHealth>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<SqliteWriteHealth>.Instance;
    private string? _failure;

    /// <summary>Why writes fail (e.g. "the disk is full"), or null while they get through.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    public void Succeeded()
    {
        if (Interlocked.Exchange(ref _failure, null) is { } reason)
        {
            Log.WritesRecovered(_logger, reason);
        }
    }

    public void Failed(string reason, Exception exception)
    {
        if (Interlocked.Exchange(ref _failure, reason) is null)
        {
            Log.WritesFailing(_logger, reason, exception);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Database writes are failing ({Reason}); write requests answer 503 and /readyz is not ready until a write succeeds")]
        public static partial void WritesFailing(ILogger logger, string reason, Exception exception);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Database writes succeed again (they had failed: {Reason})")]
        public static partial void WritesRecovered(ILogger logger, string reason);
    }
}
