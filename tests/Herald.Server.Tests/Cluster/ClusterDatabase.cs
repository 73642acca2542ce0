using Npgsql;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// A PostgreSQL database of the test's own on the server <c>HERALD_TEST_POSTGRES</c> names (test.sh
/// starts a throwaway one when it is not set), dropped at the end. Tests never skip for lack of it:
/// without the variable they fail and say how to get one.
/// </summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private ClusterDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>What each node gets as <c>HERALD_DATABASE</c>.</summary>
    public string ConnectionString { get; }

    public static string Server =>
        Environment.GetEnvironmentVariable("HERALD_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "HERALD_TEST_POSTGRES is not set: run ./test.sh (it starts a throwaway PostgreSQL), or export HERALD_TEST_POSTGRES=\"Host=...;Port=...;Username=...\"");

    public static async Task<ClusterDatabase> CreateAsync()
    {
        var server = Server;
        var name = $"herald_cluster_{Guid.NewGuid():N}"[..40];
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new ClusterDatabase(admin, name, new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString);
    }

    /// <summary>One value from the database, for what no API shows (e.g. who holds a job lease).</summary>
    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
