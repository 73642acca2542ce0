using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// The process's one <see cref="NpgsqlDataSource"/> (its pool is every store's), and helpers that
/// bind values to positional parameters (<c>$1</c>, <c>$2</c>, …) in the order given.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>Statements the stores run often enough to keep prepared on each connection.</summary>
    private const int DefaultMaxAutoPrepare = 64;

    public PostgresDatabase(PostgresOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new ArgumentException("The PostgreSQL connection string names no Host.", nameof(options));
        }

        if (options.Schema is { } schema)
        {
            if (schema.Length is 0 or > 40 || !schema.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_') || char.IsDigit(schema[0]))
            {
                throw new ArgumentException($"The PostgreSQL schema '{schema}' is not a plain lower-case name (a-z, 0-9, _; at most 40).", nameof(options));
            }

            builder.SearchPath = schema;
            Channel = "herald_changes_" + schema;
        }

        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
            builder.AutoPrepareMinUsages = 2;
        }

        Options = options;
        DataSource = NpgsqlDataSource.Create(builder.ConnectionString);

        // The LISTEN connection lives outside the pool: it is held for the process's life, and
        // one that broke must never go back to the pool.
        ListenerDataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false, MaxAutoPrepare = 0 }.ConnectionString);
        DatabaseName = builder.Database ?? builder.Username ?? "postgres";
    }

    public PostgresOptions Options { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Unpooled connections for the one long-lived LISTEN connection.</summary>
    public NpgsqlDataSource ListenerDataSource { get; }

    /// <summary>The LISTEN/NOTIFY channel of this installation (channels are per database, so a schema needs its own).</summary>
    public string Channel { get; } = "herald_changes";

    /// <summary>The database's name, for messages (never the password).</summary>
    public string DatabaseName { get; }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection);
        Bind(command.Parameters, values);
        return command;
    }

    public static NpgsqlBatchCommand BatchCommand(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        Bind(command.Parameters, values);
        return command;
    }

    /// <summary>Runs one statement on a pooled connection; the number of rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one statement on a pooled connection; its first column of the first row, or null.</summary>
    public async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, sql, values);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    /// <summary>Reads every row of one query with <paramref name="read"/>.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, params object?[] values)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, sql, values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await ListenerDataSource.DisposeAsync().ConfigureAwait(false);
        await DataSource.DisposeAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        ListenerDataSource.Dispose();
        DataSource.Dispose();
    }

    private static void Bind(NpgsqlParameterCollection parameters, object?[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
    }
}
