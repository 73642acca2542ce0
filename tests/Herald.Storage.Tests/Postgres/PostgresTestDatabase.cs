using Herald.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// A fresh, isolated place for one test's stores on the PostgreSQL server named by
/// <c>HERALD_TEST_POSTGRES</c>: a schema of its own (<see cref="PostgresOptions.Schema"/>) in a
/// database this test process creates once. The schema brings its own change channel, so
/// notices stay isolated too (channels are per database, not per schema). Creating a schema and
/// migrating it costs a fraction of a CREATE DATABASE. Dropped on dispose; the process's database
/// is dropped when the process exits.
/// </summary>
internal sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "HERALD_TEST_POSTGRES";

    /// <summary>Database names start with this (default <c>herald_</c>), so runs sharing a server can tell theirs apart.</summary>
    private static readonly string Prefix = Environment.GetEnvironmentVariable("HERALD_TEST_POSTGRES_PREFIX") is { Length: > 0 } prefix ? prefix : "herald_";

    private static readonly Lazy<NpgsqlDataSource> Admin = new(() => NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", MaxPoolSize = 4 }.ConnectionString));

    private static readonly Lazy<Task<string>> RunDatabase = new(CreateRunDatabaseAsync);

    private readonly bool _ownDatabase;

    private PostgresTestDatabase(string database, string? schema, bool ownDatabase)
    {
        Database = database;
        Schema = schema;
        _ownDatabase = ownDatabase;
    }

    /// <summary>The server from the environment; a clear failure (never a skip) when it is not set.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"The PostgreSQL tests need a server: set {EnvironmentVariable} to a connection string (e.g. \"Host=127.0.0.1;Port=5432;Username=postgres\"), "
                + "or run ./test.sh, which starts a throwaway PostgreSQL when it is not set.");

    public string Database { get; }

    /// <summary>The test's schema; null for a database of its own (migration tests).</summary>
    public string? Schema { get; }

    public string ConnectionString => ConnectionStringFor(Database);

    /// <summary>A fresh schema, migrated unless <paramref name="migrated"/> is false (then it does not exist until a start creates it).</summary>
    public static async Task<PostgresTestDatabase> CreateAsync(bool migrated = true)
    {
        var created = new PostgresTestDatabase(await RunDatabase.Value, "t_" + Guid.NewGuid().ToString("N")[..24], ownDatabase: false);
        if (!migrated)
        {
            return created;
        }

        await using var database = new PostgresDatabase(created.Options("Pooling=false"));
        await new PostgresStoreMigrator(database, new PostgresClock(database)).MigrateAsync(CancellationToken.None);
        return created;
    }

    /// <summary>A fresh database with no tables at all, used through its default schema (for migration tests).</summary>
    public static async Task<PostgresTestDatabase> CreateEmptyAsync()
    {
        var name = NewDatabaseName("e_");
        await AdminAsync($"CREATE DATABASE \"{name}\"");
        return new PostgresTestDatabase(name, null, ownDatabase: true);
    }

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database, MaxPoolSize = 20 }.ConnectionString;

    public PostgresOptions Options(string? extra = null) => new()
    {
        ConnectionString = extra is null ? ConnectionString : ConnectionString + ";" + extra,
        Schema = Schema,
    };

    /// <summary>Registers the stores over this schema as the server does, without migrating or starting anything.</summary>
    public ServiceProvider Services(string? extraConnectionSettings = null) =>
        new ServiceCollection().AddLogging().AddHeraldPostgres(Options(extraConnectionSettings)).BuildServiceProvider();

    /// <summary>Registers the stores over this schema as the server does and migrates.</summary>
    public async Task<ServiceProvider> OpenServicesAsync(Action<IServiceCollection>? configure = null, string? extraConnectionSettings = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        configure?.Invoke(services);
        var provider = services.AddHeraldPostgres(Options(extraConnectionSettings)).BuildServiceProvider();
        try
        {
            await provider.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }

        return provider;
    }

    /// <summary>Runs <paramref name="sql"/> in this schema through a connection of its own.</summary>
    public async Task<object?> ScalarAsync(string sql, params object?[] values)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        if (Schema is not null)
        {
            builder.SearchPath = Schema;
        }

        await using var connection = new NpgsqlConnection(builder.ConnectionString);
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
        if (_ownDatabase)
        {
            await AdminAsync($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)");
        }
        else
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static string NewDatabaseName(string kind) => Prefix + kind + Guid.NewGuid().ToString("N")[..20];

    private static async Task AdminAsync(string sql)
    {
        await using var command = Admin.Value.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>This test process's database, dropped (with whatever schemas are left) when the process exits.</summary>
    private static async Task<string> CreateRunDatabaseAsync()
    {
        var name = NewDatabaseName("run_");
        await AdminAsync($"CREATE DATABASE \"{name}\"");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                NpgsqlConnection.ClearAllPools();
                AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").GetAwaiter().GetResult();
            }
            catch (NpgsqlException)
            {
                // The server is gone already (test.sh stops its throwaway one): nothing to drop.
            }
        };
        return name;
    }
}
