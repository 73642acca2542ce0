using Npgsql;

namespace Herald.Delivery.Tests.Infrastructure;

/// <summary>
/// A database of its own on the PostgreSQL server named by <c>HERALD_TEST_POSTGRES</c> (the test
/// command starts a throwaway server when it is unset), dropped at the end.
/// </summary>
internal sealed class ScratchPostgres : IAsyncDisposable
{
    private readonly string _server;

    private ScratchPostgres(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<ScratchPostgres> CreateAsync()
    {
        var server = Environment.GetEnvironmentVariable("HERALD_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            throw new InvalidOperationException("HERALD_TEST_POSTGRES is not set: the test command (./test.sh) starts a throwaway PostgreSQL and sets it.");
        }

        var scratch = new ScratchPostgres(server, $"h_cluster_{Guid.NewGuid():N}");
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{scratch.Name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return scratch;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
