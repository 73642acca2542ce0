using System.Net.Sockets;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Which PostgreSQL errors mean "the database cannot be used right now" (worth a 503 and a retry),
/// by SQLSTATE class (https://www.postgresql.org/docs/current/errcodes-appendix.html); constraint
/// violations, syntax errors and the like are bugs or conflicts and stay what they are.
/// </summary>
internal static class PostgresFailures
{
    public static string? Describe(NpgsqlException exception) => exception switch
    {
        PostgresException pg => DescribeState(pg.SqlState),
        // Not a server error: the connection could not be opened or was lost, or the pool had
        // no free connection in time.
        { InnerException: TimeoutException } => "the database is busy (no connection was free in time)",
        { InnerException: SocketException or IOException or EndOfStreamException } => "the database is unreachable",
        { IsTransient: true } => "the database is unreachable",
        _ => null,
    };

    private static string? DescribeState(string state) => state switch
    {
        "53100" => "the database's disk is full",
        "53200" => "the database is out of memory",
        "53300" => "the database has too many connections",
        "53400" => "the database hit a configured limit",
        "25006" => "the database is read-only",
        "57P01" or "57P02" or "57P03" => "the database is shutting down or starting",
        "57014" => "the database did not answer in time",
        "55P03" => "the database is locked",
        "58030" => "a disk I/O error on the database server",
        "XX001" or "XX002" => "the database's data is damaged",
        _ when state.StartsWith("08", StringComparison.Ordinal) => "the database is unreachable",
        _ => null,
    };
}
