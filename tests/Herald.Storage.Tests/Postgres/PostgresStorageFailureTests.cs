using Herald.Core.Webhooks;
using Herald.Storage.Postgres;
using Herald.Storage.Tests.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Herald.Storage.Tests.Contracts.TestData;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// A PostgreSQL that cannot be used right now surfaces as SQLite's storage failures do: readiness
/// says unreachable or not writable, and a failed store call is a storage failure with a short
/// reason (the API's 503), while a conflict or a bug stays what it is.
/// </summary>
public sealed class PostgresStorageFailureTests
{
    private const string NoServer = "Host=127.0.0.1;Port=1;Database=herald_nowhere;Username=postgres;Timeout=3";

    [Fact]
    public async Task CheckAsync_DatabaseUp_Ready()
    {
        await using var stores = await OpenAsync();

        Assert.Equal(StoreHealthReport.Healthy, await stores.Health.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CheckAsync_NoServerListening_UnreachableWithReason()
    {
        await using var services = new ServiceCollection().AddHeraldPostgres(new PostgresOptions { ConnectionString = NoServer }).BuildServiceProvider();

        var report = await services.GetRequiredService<IStoreHealth>().CheckAsync(CancellationToken.None);

        Assert.Equal(new StoreHealthReport(false, "database unreachable", "the database is unreachable"), report);
    }

    [Fact]
    public async Task CheckAsync_ReadOnlyTransactions_NotWritableWithReason()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var services = ReadOnly(database);

        var report = await services.GetRequiredService<IStoreHealth>().CheckAsync(CancellationToken.None);

        Assert.Equal(new StoreHealthReport(false, "database not writable", "the database is read-only"), report);
    }

    [Fact]
    public async Task InsertAsync_ReadOnlyTransactions_StorageFailureAndNothingStored()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var services = ReadOnly(database);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => services.GetRequiredService<IWebhookStore>().InsertAsync(NewWebhook("w1"), CancellationToken.None));

        Assert.True(StorageFailures.IsUnavailable(error, out var reason));
        Assert.Equal("the database is read-only", reason);
        Assert.Equal(0L, await database.ScalarAsync("SELECT COUNT(*) FROM webhooks"));
    }

    [Fact]
    public async Task StoreCall_NoServerListening_StorageFailureUnreachable()
    {
        await using var services = new ServiceCollection().AddHeraldPostgres(new PostgresOptions { ConnectionString = NoServer }).BuildServiceProvider();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => services.GetRequiredService<IApiKeyStore>().LoadAllAsync(CancellationToken.None));

        Assert.True(StorageFailures.IsUnavailable(error, out var reason));
        Assert.Equal("the database is unreachable", reason);
    }

    [Fact]
    public async Task StoreCall_NoPooledConnectionFreeInTime_StorageFailureBusy()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var services = database.Services("Maximum Pool Size=1;Timeout=1");
        var held = await services.GetRequiredService<PostgresDatabase>().OpenAsync(CancellationToken.None);
        await using (held)
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => services.GetRequiredService<IApiKeyStore>().LoadAllAsync(CancellationToken.None));

            Assert.True(StorageFailures.IsUnavailable(error, out var reason));
            Assert.Equal("the database is busy (no connection was free in time)", reason);
        }
    }

    [Fact]
    public async Task StoreCall_StatementTimeout_StorageFailure()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var services = database.Services("Options=-c statement_timeout=50");

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => services.GetRequiredService<PostgresDatabase>().ScalarAsync("SELECT pg_sleep(5)", CancellationToken.None));

        Assert.True(StorageFailures.IsUnavailable(error, out var reason));
        Assert.Equal("the database did not answer in time", reason);
    }

    [Fact]
    public async Task InsertAsync_DuplicateId_NotAStorageFailure()
    {
        await using var stores = await OpenAsync();
        await stores.Webhooks.InsertAsync(NewWebhook("w1"), CancellationToken.None);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => stores.Webhooks.InsertAsync(NewWebhook("w1"), CancellationToken.None));

        Assert.False(StorageFailures.IsUnavailable(error, out _));
    }

    [Fact]
    public async Task MigrateAsync_ReadOnlyDatabase_StartupExceptionSaysReadOnly()
    {
        await using var database = await PostgresTestDatabase.CreateAsync(migrated: false);
        await using var services = ReadOnly(database);

        var error = await Assert.ThrowsAsync<StorageStartupException>(() => services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None));

        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
    }

    private static async Task<PostgresStoreSet> OpenAsync() => (PostgresStoreSet)await new PostgresStoreProvider().CreateAsync();

    /// <summary>The stores over <paramref name="database"/> with every transaction read-only, as on a hot standby.</summary>
    private static ServiceProvider ReadOnly(PostgresTestDatabase database) => database.Services("Options=-c default_transaction_read_only=on");
}
