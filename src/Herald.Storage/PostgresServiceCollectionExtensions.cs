using Herald.Storage.Postgres;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Storage;

public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers the PostgreSQL stores over one database without touching it: migrating is the
    /// startup step <see cref="IStoreMigrator.MigrateAsync"/> (which also measures the database's
    /// clock). One <c>NpgsqlDataSource</c> per process; its pool is configured by the connection
    /// string. The database's clock (<see cref="PostgresClock"/>) becomes the process's
    /// <see cref="TimeProvider"/> unless one is registered already (tests register a fake one).
    /// </summary>
    public static IServiceCollection AddHeraldPostgres(this IServiceCollection services, PostgresOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(_ => new PostgresDatabase(options));
        services.AddSingleton<PostgresClock>();
        services.TryAddSingleton<TimeProvider>(sp => sp.GetRequiredService<PostgresClock>());
        services.AddSingleton<IStoreMigrator, PostgresStoreMigrator>();
        services.AddSingleton<PostgresStoreChanges>();
        services.AddSingleton<IStoreChanges>(sp => sp.GetRequiredService<PostgresStoreChanges>());
        services.AddSingleton<IWebhookStore, PostgresWebhookStore>();
        services.AddSingleton<IEventStore, PostgresEventStore>();
        services.AddSingleton<IApiKeyStore, PostgresApiKeyStore>();
        services.AddSingleton<IDeliveryStore, PostgresDeliveryStore>();
        services.AddSingleton<IDeliveryRecoveryStore, PostgresDeliveryRecoveryStore>();
        services.AddSingleton<IRetentionStore, PostgresRetentionStore>();
        services.AddSingleton<IReplayStore, PostgresReplayStore>();
        services.AddSingleton<IPartitionLeases, PostgresPartitionLeases>();
        services.AddSingleton<IDataProtectionKeyStore, PostgresDataProtectionKeyStore>();
        services.AddSingleton<IJobLeases, PostgresJobLeases>();
        services.AddSingleton<IStoreHealth, PostgresStoreHealth>();
        services.AddSingleton<IDeliveryStatsStore, PostgresDeliveryStatsStore>();
        services.AddHostedService<PostgresNodeService>();
        services.AddDataProtection();
        services.TryAddSingleton<ISecretProtector, DataProtectionSecretProtector>();
        services.AddMetrics();
        return services;
    }
}
