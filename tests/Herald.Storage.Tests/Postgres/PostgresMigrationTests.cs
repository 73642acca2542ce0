using Herald.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Storage.Tests.Postgres;

/// <summary>Migrations under the advisory lock, and the database clock measured at start.</summary>
public sealed class PostgresMigrationTests
{
    [Fact]
    public async Task MigrateAsync_SeveralNodesStartAtOnceOnAFreshDatabase_EachStepAppliedOnceAndAllSucceed()
    {
        await using var database = await PostgresTestDatabase.CreateEmptyAsync();
        var nodes = new List<ServiceProvider>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                nodes.Add(new ServiceCollection().AddHeraldPostgres(new PostgresOptions { ConnectionString = database.ConnectionString }).BuildServiceProvider());
            }

            await Task.WhenAll(nodes.Select(n => Task.Run(() => n.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None))));

            var migrator = (PostgresStoreMigrator)nodes[0].GetRequiredService<IStoreMigrator>();
            Assert.Equal(Enumerable.Range(1, PostgresMigrations.Steps.Length), await migrator.AppliedAsync(CancellationToken.None));
            foreach (var table in new[] { "webhooks", "api_keys", "events", "idempotency_keys", "deliveries", "attempts", "replay_jobs", "data_protection_keys", "job_leases", "write_probe" })
            {
                Assert.Equal(0L, await database.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_SeveralNodesStartAtOnceInAFreshSchema_SchemaCreatedAndEachStepAppliedOnce()
    {
        await using var database = await PostgresTestDatabase.CreateAsync(migrated: false);
        var nodes = Enumerable.Range(0, 5).Select(_ => new ServiceCollection().AddHeraldPostgres(database.Options()).BuildServiceProvider()).ToList();
        try
        {
            await Task.WhenAll(nodes.Select(n => Task.Run(() => n.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None))));

            Assert.Equal((long)PostgresMigrations.Steps.Length, await database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
            Assert.Equal(database.Schema, await database.ScalarAsync("SELECT table_schema FROM information_schema.tables WHERE table_name = 'deliveries' AND table_schema = $1", database.Schema));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_AlreadyCurrent_NothingAppliedAgainAndDataKept()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using (var first = await database.OpenServicesAsync())
        {
            await first.GetRequiredService<IApiKeyStore>().InsertAsync(new ApiKeyRecord("k1", null, null, true, "hash", DateTimeOffset.UnixEpoch), CancellationToken.None);
        }

        await using var again = await database.OpenServicesAsync();

        Assert.Equal((long)PostgresMigrations.Steps.Length, await database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Single(await again.GetRequiredService<IApiKeyStore>().LoadAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task MigrateAsync_NoServerListening_StartupExceptionNamingTheDatabase()
    {
        var options = new PostgresOptions { ConnectionString = "Host=127.0.0.1;Port=1;Database=herald_nowhere;Username=postgres;Timeout=3" };
        await using var services = new ServiceCollection().AddHeraldPostgres(options).BuildServiceProvider();

        var error = await Assert.ThrowsAsync<StorageStartupException>(() => services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None));

        Assert.Contains("herald_nowhere", error.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clock_LocalClockAnHourAhead_ReadsTheDatabaseTime()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var services = await database.OpenServicesAsync();
        var local = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1));
        var clock = new PostgresClock(services.GetRequiredService<PostgresDatabase>(), local);

        await clock.SynchronizeAsync(CancellationToken.None);

        var databaseNow = DateTimeOffset.FromUnixTimeMilliseconds((long)(await database.ScalarAsync("SELECT " + PostgresMigrations.Now))!);
        Assert.InRange(clock.Offset, TimeSpan.FromHours(-1) - TimeSpan.FromSeconds(5), TimeSpan.FromHours(-1) + TimeSpan.FromSeconds(5));
        Assert.InRange(clock.GetUtcNow() - databaseNow, TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(5));
        Assert.True(clock.Uncertainty < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AddHeraldPostgres_NoTimeProviderRegistered_TheDatabaseClockIsTheTimeProvider()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var services = await database.OpenServicesAsync();

        var time = services.GetRequiredService<TimeProvider>();

        Assert.IsType<PostgresClock>(time);
        Assert.NotNull(((PostgresClock)time).SynchronizedAt);
        Assert.InRange(((PostgresClock)time).Offset.Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AddHeraldPostgres_TimeProviderRegisteredBefore_ItStays()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var fake = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var services = await database.OpenServicesAsync(s => s.AddSingleton<TimeProvider>(fake));

        Assert.Same(fake, services.GetRequiredService<TimeProvider>());
    }
}
