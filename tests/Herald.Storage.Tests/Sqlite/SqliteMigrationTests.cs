using Herald.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteMigrationTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _db = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public void Migrate_FreshFile_RecordsEveryStepOnce()
    {
        Assert.Equal(SqliteMigrations.Steps.Length, _db.Count("SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(SqliteMigrations.Steps.Length, _db.Count("SELECT MAX(version) FROM schema_version"));
        Assert.Equal("wal", (string)ScalarText("PRAGMA journal_mode;"));
    }

    [Fact]
    public async Task Migrate_Twice_IsANoOpThatKeepsData()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.PublishAsync("e1", SqliteTestDatabase.T0, webhookIds: "w1");
        var tables = _db.Count("SELECT COUNT(*) FROM sqlite_master");

        _db.Database.Migrate();
        new SqliteDatabase(_db.Options).Migrate();

        Assert.Equal(SqliteMigrations.Steps.Length, _db.Count("SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(tables, _db.Count("SELECT COUNT(*) FROM sqlite_master"));
        Assert.NotNull(await _db.Webhooks.GetAsync("w1", CancellationToken.None));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task AddHeraldSqlite_SecondRegistrationOnSameFile_SeesTheSameData()
    {
        await _db.InsertWebhookAsync("w1");

        await using var second = new ServiceCollection().AddHeraldSqlite(_db.Options).BuildServiceProvider();

        var webhooks = await second.GetRequiredService<IWebhookStore>().LoadAllAsync(CancellationToken.None);
        Assert.Equal(["w1"], webhooks.Select(w => w.Id));
        Assert.Equal(SqliteMigrations.Steps.Length, _db.Count("SELECT COUNT(*) FROM schema_version"));
    }

    [Fact]
    public void SqliteDatabase_MissingFolder_IsCreated()
    {
        var path = Path.Combine(_db.Folder, "nested", "deeper", "h.db");

        new SqliteDatabase(new SqliteOptions { Path = path }).Migrate();

        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task CheckAsync_MigratedDatabase_Ready()
    {
        Assert.Equal(StoreHealthReport.Healthy, await _db.Health.CheckAsync(CancellationToken.None));
    }

    private object ScalarText(string sql)
    {
        using var connection = _db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()!;
    }
}
