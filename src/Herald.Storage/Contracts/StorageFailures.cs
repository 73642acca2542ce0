using System.Diagnostics.CodeAnalysis;
using Herald.Storage.Postgres;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Herald.Storage;

/// <summary>
/// Tells a failure of the storage itself (disk full, read-only, I/O error, locked, unreadable,
/// unreachable) from a bug or a conflict: the first is worth retrying later (503), the others are not.
/// </summary>
public static class StorageFailures
{
    // SQLite's primary result codes (https://sqlite.org/rescode.html).
    private const int Perm = 3;
    private const int Busy = 5;
    private const int Locked = 6;
    private const int NoMem = 7;
    private const int ReadOnly = 8;
    private const int IoErr = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Protocol = 15;
    private const int NotADb = 26;

    /// <summary>
    /// True when <paramref name="exception"/> (or one it wraps) says the database cannot be used right
    /// now; <paramref name="reason"/> is a short, path-free description fit for a client.
    /// </summary>
    public static bool IsUnavailable(Exception? exception, [NotNullWhen(true)] out string? reason)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is StorageUnavailableException unavailable)
            {
                reason = unavailable.Reason;
                return true;
            }

            if (current is SqliteException sqlite && Describe(sqlite.SqliteErrorCode & 0xFF) is { } described)
            {
                reason = described;
                return true;
            }

            if (current is NpgsqlException npgsql && PostgresFailures.Describe(npgsql) is { } failure)
            {
                reason = failure;
                return true;
            }
        }

        reason = null;
        return false;
    }

    /// <summary>What a primary SQLite result code means for the operator; null when it is not a storage failure.</summary>
    internal static string? Describe(int primaryCode) => primaryCode switch
    {
        Full => "the disk is full",
        ReadOnly => "the database is read-only",
        IoErr => "a disk I/O error",
        Busy or Locked => "the database is locked",
        CantOpen or Perm => "the database file cannot be opened",
        Corrupt or NotADb => "the database file is damaged or not a database",
        NoMem => "out of memory",
        Protocol => "the database's lock protocol failed",
        _ => null,
    };
}

/// <summary>The database cannot be used right now (see <see cref="StorageFailures"/>).</summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
        : this("the database is unavailable", null)
    {
    }

    public StorageUnavailableException(string reason)
        : this(reason, null)
    {
    }

    public StorageUnavailableException(string reason, Exception? innerException)
        : base(reason, innerException) => Reason = reason;

    /// <summary>A short description without file paths, fit for a client.</summary>
    public string Reason { get; }
}

/// <summary>
/// The database cannot be used at start (missing rights, read-only, not a database); the message
/// names the file and the problem, and the process should exit non-zero with it.
/// </summary>
public sealed class StorageStartupException : Exception
{
    public StorageStartupException()
    {
    }

    public StorageStartupException(string message)
        : base(message)
    {
    }

    public StorageStartupException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
