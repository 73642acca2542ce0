using System.Security.Cryptography;
using System.Text;
using Herald.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// A fresh database on the PostgreSQL server named by <c>HERALD_TEST_POSTGRES</c>, copied from a
/// template migrated once (so a test pays for a CREATE DATABASE, not for the migrations), dropped
/// on dispose. A database per test keeps LISTEN/NOTIFY isolated too: channels are per database.
/// </summary>
internal sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "HERALD_TEST_POSTGRES";

    /// <summary>Database names start with this (default <c>herald_</c>), so runs sharing a server can tell theirs apart.</summary>
    private static readonly string Prefix = Environment.GetEnvironmentVariable("HERALD_TEST_POSTGRES_PREFIX") is { Length: > 0 } prefix ? prefix : "herald_";

    private static readonly Lazy<NpgsqlDataSource> Admin = new(() => NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", MaxPoolSize = 4 }.ConnectionString));

    private static readonly Lazy<Task<string>> Template = new(BuildTemplateAsync);

    private PostgresTestDatabase(string name) => Name = name;

    /// <summary>The server from the environment; a clear failure (never a skip) when it is not set.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"The PostgreSQL tests need a server: set {EnvironmentVariable} to a connection string (e.g. \"Host=127.0.0.1;Port=5432;Username=postgres\"), "
                + "or run ./test.sh, which starts a throwaway PostgreSQL when it is not set.");

    public string Name { get; }

    public string ConnectionString => ConnectionStringFor(Name);

    /// <summary>A fresh, migrated database.</summary>
    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var template = await Template.Value;
        var name = NewName("t_");
        await AdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        return new PostgresTestDatabase(name);
    }

    /// <summary>A fresh database with no tables at all (for migration tests).</summary>
    public static async Task<PostgresTestDatabase> CreateEmptyAsync()
    {
        var name = NewName("e_");
        await AdminAsync($"CREATE DATABASE \"{name}\"");
        return new PostgresTestDatabase(name);
    }

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database, MaxPoolSize = 20 }.ConnectionString;

    /// <summary>Registers the stores over this database as the server does and migrates.</summary>
    public async Task<ServiceProvider> OpenServicesAsync(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        configure?.Invoke(services);
        var provider = services.AddHeraldPostgres(new PostgresOptions { ConnectionString = ConnectionString }).BuildServiceProvider();
        await provider.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        return provider;
    }

    /// <summary>Runs <paramref name="sql"/> on this database through a connection of its own.</summary>
    public async Task<object?> ScalarAsync(string sql, params object?[] values)
    {
        await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    public async ValueTask DisposeAsync()
    {
        await AdminAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }

    private static string NewName(string kind) => Prefix + kind + Guid.NewGuid().ToString("N")[..20];

    private static async Task AdminAsync(string sql)
    {
        await using var command = Admin.Value.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The migrated template, named by a hash of the schema steps, so test runs share it until the
    /// schema changes and concurrent runs (several test projects, several helpers) build it once:
    /// built under a different name and renamed when complete, under an advisory lock.
    /// </summary>
    private static async Task<string> BuildTemplateAsync()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n--\n", PostgresMigrations.Steps))))[..16];
        var name = Prefix + "tpl_" + hash;
        await using var connection = await Admin.Value.OpenConnectionAsync();
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext($1))", connection) { Parameters = { new() { Value = name } } })
        {
            await lockCommand.ExecuteNonQueryAsync();
        }

        try
        {
            await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } })
            {
                if (await exists.ExecuteScalarAsync() is not null)
                {
                    return name;
                }
            }

            var building = NewName("b_");
            await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{building}\"", connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            var options = new PostgresOptions { ConnectionString = ConnectionStringFor(building) + ";Pooling=false" };
            await using (var services = new ServiceCollection().AddHeraldPostgres(options).BuildServiceProvider())
            {
                await services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
            }

            await using (var rename = new NpgsqlCommand($"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"", connection))
            {
                await rename.ExecuteNonQueryAsync();
            }

            return name;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext($1))", connection) { Parameters = { new() { Value = name } } };
            await unlock.ExecuteNonQueryAsync();
        }
    }
}
