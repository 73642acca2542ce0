using Herald.Storage.Tests.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>Runs the contract suite on SQLite: each test gets its own database file in its own folder.</summary>
public sealed class SqliteStoreProvider : IStoreProvider
{
    public Task<IStoreSet> CreateAsync() => Task.FromResult<IStoreSet>(new SqliteStoreSet(new SqliteTestDatabase()));

    private sealed class SqliteStoreSet(SqliteTestDatabase db) : IStoreSet
    {
        public IWebhookStore Webhooks => db.Webhooks;

        public IEventStore Events => db.Events;

        public IDeliveryStore Deliveries => db.Deliveries;

        public IApiKeyStore ApiKeys => db.ApiKeys;

        public IReplayStore Replays => db.Replays;

        public IDeliveryRecoveryStore Recovery => db.Recovery;

        public IRetentionStore Retention => db.Retention;

        public IStoreHealth Health => db.Health;

        public IStoreChanges Changes => db.Changes;

        public IJobLeases JobLeases => db.JobLeases;

        public IPartitionLeases PartitionLeases => db.PartitionLeases;

        public IDataProtectionKeyStore DataProtectionKeys => db.DataProtectionKeys;

        public IDeliveryStatsStore Stats => db.Stats;

        public async Task<IStoreSet> OpenAgainAsync()
        {
            var services = new ServiceCollection().AddHeraldSqlite(db.Options).BuildServiceProvider();
            await services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
            return new ReopenedSet(services);
        }

        public ValueTask DisposeAsync() => db.DisposeAsync();
    }

    /// <summary>A second registration over the same file, as a restarted process opens it; the file stays.</summary>
    private sealed class ReopenedSet(ServiceProvider services) : IStoreSet
    {
        public IWebhookStore Webhooks => services.GetRequiredService<IWebhookStore>();

        public IEventStore Events => services.GetRequiredService<IEventStore>();

        public IDeliveryStore Deliveries => services.GetRequiredService<IDeliveryStore>();

        public IApiKeyStore ApiKeys => services.GetRequiredService<IApiKeyStore>();

        public IReplayStore Replays => services.GetRequiredService<IReplayStore>();

        public IDeliveryRecoveryStore Recovery => services.GetRequiredService<IDeliveryRecoveryStore>();

        public IRetentionStore Retention => services.GetRequiredService<IRetentionStore>();

        public IStoreHealth Health => services.GetRequiredService<IStoreHealth>();

        public IStoreChanges Changes => services.GetRequiredService<IStoreChanges>();

        public IJobLeases JobLeases => services.GetRequiredService<IJobLeases>();

        public IPartitionLeases PartitionLeases => services.GetRequiredService<IPartitionLeases>();

        public IDataProtectionKeyStore DataProtectionKeys => services.GetRequiredService<IDataProtectionKeyStore>();

        public IDeliveryStatsStore Stats => services.GetRequiredService<IDeliveryStatsStore>();

        public Task<IStoreSet> OpenAgainAsync() => throw new NotSupportedException("Open again from the first set.");

        public ValueTask DisposeAsync() => services.DisposeAsync();
    }
}
