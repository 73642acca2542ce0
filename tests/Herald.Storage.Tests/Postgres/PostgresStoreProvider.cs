using Herald.Storage.Tests.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// Runs the contract suite on PostgreSQL: each test gets a schema of its own (see
/// <see cref="PostgresTestDatabase"/>), with the stores registered and the node services started
/// exactly as the server does.
/// </summary>
public sealed class PostgresStoreProvider : IStoreProvider
{
    public async Task<IStoreSet> CreateAsync()
    {
        var database = await PostgresTestDatabase.CreateAsync();
        try
        {
            return await PostgresStoreSet.OpenAsync(database, owner: true);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }
}

/// <summary>
/// One node's stores over a test schema. The set that created the schema drops it on dispose; one
/// from <see cref="OpenAgainAsync"/> (another node on the same data) leaves it.
/// </summary>
internal sealed class PostgresStoreSet : IStoreSet
{
    private readonly PostgresTestDatabase _database;
    private readonly bool _owner;
    private readonly List<IHostedService> _started = [];

    private PostgresStoreSet(PostgresTestDatabase database, ServiceProvider services, bool owner)
    {
        _database = database;
        Services = services;
        _owner = owner;
    }

    public ServiceProvider Services { get; }

    public PostgresTestDatabase Database => _database;

    public IWebhookStore Webhooks => Get<IWebhookStore>();

    public IEventStore Events => Get<IEventStore>();

    public IDeliveryStore Deliveries => Get<IDeliveryStore>();

    public IApiKeyStore ApiKeys => Get<IApiKeyStore>();

    public IReplayStore Replays => Get<IReplayStore>();

    public IDeliveryRecoveryStore Recovery => Get<IDeliveryRecoveryStore>();

    public IRetentionStore Retention => Get<IRetentionStore>();

    public IStoreHealth Health => Get<IStoreHealth>();

    public IStoreChanges Changes => Get<IStoreChanges>();

    public IJobLeases JobLeases => Get<IJobLeases>();

    public IPartitionLeases PartitionLeases => Get<IPartitionLeases>();

    public IDataProtectionKeyStore DataProtectionKeys => Get<IDataProtectionKeyStore>();

    public IDeliveryStatsStore Stats => Get<IDeliveryStatsStore>();

    /// <summary>Opens a node's stores over <paramref name="database"/>; <paramref name="extraConnectionSettings"/> are appended to its connection string.</summary>
    public static async Task<PostgresStoreSet> OpenAsync(PostgresTestDatabase database, bool owner, string? extraConnectionSettings = null)
    {
        var services = await database.OpenServicesAsync(extraConnectionSettings: extraConnectionSettings);
        var set = new PostgresStoreSet(database, services, owner);
        try
        {
            foreach (var hosted in services.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
                set._started.Add(hosted);
            }
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }

        return set;
    }

    public async Task<IStoreSet> OpenAgainAsync() => await OpenAsync(_database, owner: false);

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in Enumerable.Reverse(_started))
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await Services.DisposeAsync();
        if (_owner)
        {
            await _database.DisposeAsync();
        }
    }

    private T Get<T>()
        where T : notnull =>
        Services.GetService<T>() ?? throw new NotImplementedException($"The PostgreSQL provider has no {typeof(T).Name} yet.");
}
