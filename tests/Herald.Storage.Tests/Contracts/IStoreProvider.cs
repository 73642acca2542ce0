namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// A storage provider under test. Each test asks it for a fresh, empty set of stores that nothing
/// else sees (its own database file or schema) and disposes that set when it ends.
/// </summary>
public interface IStoreProvider
{
    Task<IStoreSet> CreateAsync();
}

/// <summary>Every store contract of one isolated database, as the server would have them registered.</summary>
public interface IStoreSet : IAsyncDisposable
{
    IWebhookStore Webhooks { get; }

    IEventStore Events { get; }

    IDeliveryStore Deliveries { get; }

    IApiKeyStore ApiKeys { get; }

    IReplayStore Replays { get; }

    IDeliveryRecoveryStore Recovery { get; }

    IRetentionStore Retention { get; }

    IStoreHealth Health { get; }

    IStoreChanges Changes { get; }

    IJobLeases JobLeases { get; }

    IPartitionLeases PartitionLeases { get; }

    IDataProtectionKeyStore DataProtectionKeys { get; }

    IDeliveryStatsStore Stats { get; }

    /// <summary>
    /// A second set of stores over the same data, as a restarted process (or another node) would
    /// open it; the caller disposes it.
    /// </summary>
    Task<IStoreSet> OpenAgainAsync();
}
