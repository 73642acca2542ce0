using Herald.Storage.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Storage;

public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Registers the SQLite stores over one database file, migrating it and proving it writable
    /// first (<see cref="StorageStartupException"/> when it is not).
    /// </summary>
    public static IServiceCollection AddHeraldSqlite(this IServiceCollection services, SqliteOptions options)
    {
        var database = new SqliteDatabase(options);
        database.Start();
        services.AddSingleton(database);
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
