using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// A connection with a cache of prepared commands keyed by SQL, so hot statements are compiled once.
/// Parameters are positional: <c>$0</c>, <c>$1</c>, ...
/// </summary>
internal sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    public void Run(string sql) => Bind(sql, []).ExecuteNonQuery();

    public int Execute(string sql, params object?[] values) => Bind(sql, values).ExecuteNonQuery();

    public object? Scalar(string sql, params object?[] values)
    {
        var result = Bind(sql, values).ExecuteScalar();
        return result is DBNull ? null : result;
    }

    public SqliteDataReader Query(string sql, params object?[] values) => Bind(sql, values).ExecuteReader();

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }

    private SqliteCommand Bind(string sql, object?[] values)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters.Add(new SqliteParameter("$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null));
            }

            _commands[sql] = command;
        }

        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command;
    }
}
