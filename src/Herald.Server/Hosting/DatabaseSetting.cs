using System.Data.Common;
using Npgsql;

namespace Herald.Server.Hosting;

/// <summary>
/// What <c>HERALD_DATABASE</c> names: a SQLite file path, or a PostgreSQL connection string
/// (<c>Host=…</c>). A value with <c>=</c> in it is read as a connection string, so a mistyped one is
/// refused with what is wrong instead of becoming a file of that name. Messages never contain the
/// password (nor any value: only keywords and positions).
/// </summary>
internal static class DatabaseSetting
{
    public static bool IsConnectionString(string database) => database.Contains('=', StringComparison.Ordinal);

    /// <summary>The checked connection string; null with <paramref name="error"/> when it is malformed.</summary>
    public static NpgsqlConnectionStringBuilder? ParsePostgres(string database, out string? error)
    {
        error = null;
        DbConnectionStringBuilder generic;
        try
        {
            generic = new DbConnectionStringBuilder { ConnectionString = database };
        }
        catch (ArgumentException)
        {
            // Its message may quote the text around the fault; the password could be in it.
            error = "is not a well-formed connection string (keyword=value pairs separated by ';', values with ';' or quotes in quotes)";
            return null;
        }

        var builder = new NpgsqlConnectionStringBuilder();
        foreach (string keyword in generic.Keys)
        {
            try
            {
                builder[keyword] = generic[keyword];
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException or KeyNotFoundException)
            {
                error = builder.ContainsKey(keyword) || IsKnown(keyword)
                    ? $"has a value for '{keyword}' that PostgreSQL's client does not accept"
                    : $"has '{keyword}', which is not a PostgreSQL connection string keyword";
                return null;
            }
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            error = "names no Host (e.g. Host=db.internal;Database=herald;Username=herald;Password=...)";
            return null;
        }

        return builder;
    }

    /// <summary>Host, port and database, for messages: never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"PostgreSQL at {builder.Host}:{builder.Port}, database {builder.Database ?? builder.Username ?? "(default)"}";

    private static bool IsKnown(string keyword)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder()[keyword];
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException)
        {
            return false;
        }
    }
}
