using Herald.Storage.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Storage;

public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Registers the SQLite stores over one database file without touching it: migrating (and
    /// proving the file writable) is the startup step <see cref="IStoreMigrator.MigrateAsync"/>.
    /// </summary>
    public static IServiceCollection AddHeraldSqlite(this IServiceCollection services, SqliteOptions options)
    {
        var database = new SqliteDatabase(options);
        services.AddSingleton(database);
        services.AddSingleton<IStoreMigrator, SqliteStoreMigrator>();
        services.AddSingleton<IJobLeases, SqliteJobLeases>();
        services.AddSingleton<IPartitionLeases, SqlitePartitionLeases>();
        services.AddSingleton<IDataProtectionKeyStore, SqliteDataProtectionKeyStore>();
        services.AddSingleton<SqliteWriteHealth>();
        services.AddDataProtection();
        services.TryAddSingleton<ISecretProtector, DataProtectionSecretProtector>();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SqliteMetrics>();
        services.AddSingleton<SqliteWriter>();
        services.AddSingleton<SqliteStoreChanges>();
        services.AddSingleton<IStoreChanges>(sp => sp.GetRequiredService<SqliteStoreChanges>());
        services.AddSingleton<IWebhookStore, SqliteWebhookStore>();
        services.AddSingleton<IEventStore, SqliteEventStore>();
        services.AddSingleton<IDeliveryStore, SqliteDeliveryStore>();
        services.AddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.AddSingleton<IStoreHealth, SqliteStoreHealth>();
        services.AddSingleton<IReplayStore, SqliteReplayStore>();
        services.AddSingleton<IDeliveryRecoveryStore, SqliteDeliveryRecoveryStore>();
        services.AddSingleton<IRetentionStore, SqliteRetentionStore>();
        services.AddSingleton<IDeliveryStatsStore, SqliteDeliveryStatsStore>();
        services.AddHostedService<SqliteSharedMemoryGuard>();
        return services;
    }
}
