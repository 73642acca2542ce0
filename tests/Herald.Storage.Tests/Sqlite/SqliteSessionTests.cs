using Microsoft.Data.Sqlite;
using Herald.Storage.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteSessionTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly SqliteSession _session;

    public SqliteSessionTests()
    {
        _connection.Open();
        _session = new SqliteSession(_connection);
        _session.Run("CREATE TABLE t (k TEXT PRIMARY KEY, i INTEGER, r REAL, b BLOB, n TEXT); CREATE TABLE u (x INTEGER);");
    }

    public void Dispose()
    {
        _session.Dispose();
        _connection.Dispose();
    }

    [Fact]
    public void Execute_EveryBoundType_StoredAsThatType()
    {
        _session.Execute("INSERT INTO t (k, i, r, b, n) VALUES ($0, $1, $2, $3, $4)", "a", 7, 1.5, new byte[] { 1, 2, 3 }, null);
        _session.Execute("INSERT INTO t (k, i, r, b, n) VALUES ($0, $1, $2, $3, $4)", "b", 1L << 40, 0.0, Array.Empty<byte>(), DBNull.Value);
        _session.Execute("INSERT INTO t (k, i, b) VALUES ($0, $1, $2)", "c", true, new ReadOnlyMemory<byte>([9, 8, 7, 6], 1, 2));

        using var rows = _session.Rows("SELECT k, i, r, b, typeof(b), n FROM t ORDER BY k");
        Assert.True(rows.Read());
        Assert.Equal(("a", 7L, 1.5, "blob", true), (rows.GetString(0), rows.GetInt64(1), Real(rows), rows.GetString(4), rows.IsNull(5)));
        Assert.Equal(new byte[] { 1, 2, 3 }, rows.GetBlob(3));
        Assert.True(rows.Read());
        Assert.Equal(("b", 1L << 40, "blob", 0), (rows.GetString(0), rows.GetInt64(1), rows.GetString(4), rows.GetBlob(3).Length));
        Assert.True(rows.Read());
        Assert.Equal(("c", 1), (rows.GetString(0), rows.GetInt32(1)));
        Assert.Equal(new byte[] { 8, 7 }, rows.GetBlob(3));
        Assert.False(rows.Read());
    }

    [Fact]
    public void Execute_ReturnsRowsChanged()
    {
        _session.Execute("INSERT INTO u (x) VALUES ($0)", 1);
        _session.Execute("INSERT INTO u (x) VALUES ($0)", 2);

        Assert.Equal(2, _session.Execute("UPDATE u SET x = x + $0", 10));
        Assert.Equal(0, _session.Execute("DELETE FROM u WHERE x = $0", 99));
    }

    [Fact]
    public void Execute_ConstraintViolated_ThrowsSqliteExceptionAndTheStatementStaysUsable()
    {
        _session.Execute("INSERT INTO t (k) VALUES ($0)", "dup");

        var error = Assert.Throws<SqliteException>(() => _session.Execute("INSERT INTO t (k) VALUES ($0)", "dup"));

        Assert.Equal(19, error.SqliteErrorCode);
        Assert.Contains("UNIQUE", error.Message, StringComparison.Ordinal);
        _session.Execute("INSERT INTO t (k) VALUES ($0)", "other");
        Assert.Equal(2L, _session.Scalar("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public void Execute_UnsupportedValue_Throws()
    {
        Assert.Throws<NotSupportedException>(() => _session.Execute("INSERT INTO u (x) VALUES ($0)", DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Run_SeveralStatements_RunsEachInOrder()
    {
        _session.Run("INSERT INTO u (x) VALUES (1); INSERT INTO u (x) VALUES (2); UPDATE u SET x = x * 10;");

        Assert.Equal(30L, _session.Scalar("SELECT SUM(x) FROM u"));
    }

    [Fact]
    public void Rows_SameSqlAgainAfterDispose_RebindsAndStartsOver()
    {
        _session.Run("INSERT INTO u (x) VALUES (1); INSERT INTO u (x) VALUES (2); INSERT INTO u (x) VALUES (3);");

        Assert.Equal([2L, 3L], Read(1));
        Assert.Equal([3L], Read(2));
    }

    [Fact]
    public void Rows_MoreThanOneStatement_Refused()
    {
        Assert.Throws<ArgumentException>(() => _session.Rows("SELECT 1; SELECT 2;"));
    }

    private static double Real(SqliteRows rows) => double.Parse(rows.GetString(2), System.Globalization.CultureInfo.InvariantCulture);

    private List<long> Read(long above)
    {
        var values = new List<long>();
        using var rows = _session.Rows("SELECT x FROM u WHERE x > $0 ORDER BY x", above);
        while (rows.Read())
        {
            values.Add(rows.GetInt64(0));
        }

        return values;
    }
}
