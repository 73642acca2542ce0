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
        await second.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);

        var webhooks = await second.GetRequiredService<IWebhookStore>().LoadAllAsync(CancellationToken.None);
        Assert.Equal(["w1"], webhooks.Select(w => w.Id));
        Assert.Equal(SqliteMigrations.Steps.Length, _db.Count("SELECT COUNT(*) FROM schema_version"));
    }

    [Fact]
    public async Task AddHeraldSqlite_RegistrationOnly_DoesNotCreateTheFileUntilMigrateAsync()
    {
        var path = Path.Combine(_db.Folder, "fresh.db");
        await using var services = new ServiceCollection().AddHeraldSqlite(new SqliteOptions { Path = path }).BuildServiceProvider();

        Assert.False(File.Exists(path));

        await services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        Assert.True(File.Exists(path));
        Assert.Empty(await services.GetRequiredService<IWebhookStore>().LoadAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task MigrateAsync_ConcurrentStartsOnOneFreshFile_AllSucceedAndApplyEachStepOnce()
    {
        for (var round = 0; round < 5; round++)
        {
            var path = Path.Combine(_db.Folder, $"race-{round}.db");
            var starts = Enumerable.Range(0, 4).Select(_ => new ServiceCollection().AddHeraldSqlite(new SqliteOptions { Path = path }).BuildServiceProvider()).ToList();
            try
            {
                using var go = new ManualResetEventSlim();
                var migrations = starts.Select(s => Task.Run(async () =>
                {
                    go.Wait();
                    await s.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
                })).ToList();
                go.Set();
                await Task.WhenAll(migrations);

                using var connection = new SqliteDatabase(new SqliteOptions { Path = path }).Open();
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_version";
                using var reader = command.ExecuteReader();
                Assert.True(reader.Read());
                Assert.Equal(SqliteMigrations.Steps.Length, reader.GetInt32(0));
                Assert.Equal(SqliteMigrations.Steps.Length, reader.GetInt32(1));
                Assert.Equal(SqliteMigrations.Steps.Length, reader.GetInt32(2));
            }
            finally
            {
                foreach (var s in starts)
                {
                    await s.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_JobLeaseOfTheProcessBefore_TakenBack()
    {
        Assert.True(await _db.JobLeases.TryAcquireAsync("retention", "gone-process", TimeSpan.FromHours(1), CancellationToken.None));
        await using var restarted = new ServiceCollection().AddHeraldSqlite(_db.Options).BuildServiceProvider();

        await restarted.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);

        Assert.True(await restarted.GetRequiredService<IJobLeases>().TryAcquireAsync("retention", "this-process", TimeSpan.FromHours(1), CancellationToken.None));
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
