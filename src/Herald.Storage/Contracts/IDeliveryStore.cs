using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage;

/// <summary>A due delivery leased to one dispatcher, with what it needs to send.</summary>
public sealed record ClaimedDelivery(
    string Id,
    string WebhookId,
    string EventId,
    string? ObjectId,
    int AttemptCount,
    string EventName,
    ReadOnlyMemory<byte> Body);

/// <summary>The outcome of one attempt, and what happens to the delivery next.</summary>
public sealed record AttemptRecord(
    string DeliveryId,
    string WebhookId,
    int Number,
    DateTimeOffset StartedAt,
    int? StatusCode,
    double DurationMs,
    string? Error,
    string? ResponseBody,
    bool Succeeded,
    DateTimeOffset? NextAttemptAt);

/// <summary>A webhook whose status an attempt changed.</summary>
public sealed record WebhookStatusChange(string WebhookId, WebhookStatus From, WebhookStatus To);

public sealed record AttemptView(int Number, DateTimeOffset StartedAt, int? StatusCode, double DurationMs, string? Error, string? ResponseBody);

public sealed record DeliveryView(
    string Id,
    string WebhookId,
    string EventId,
    string? ObjectId,
    string? DomainId,
    DeliveryStatus Status,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int? LastStatusCode,
    string? LastError,
    IReadOnlyList<AttemptView>? Attempts);

public sealed record DeliveryFilter(string? DomainId, string? WebhookId, DeliveryStatus? Status, string? ObjectId, PageRequest Page);

/// <summary>
/// What a dispatcher asks for: at most <see cref="Max"/> due deliveries, none of the webhooks in
/// <see cref="ExcludedWebhooks"/> (saturated lanes, open circuits), and per webhook at most its
/// entry in <see cref="Capacity"/> or else <see cref="DefaultCapacity"/>. Deliveries of an
/// ordered webhook are due only when no earlier delivery for the same object is pending.
/// </summary>
public sealed record ClaimRequest(
    string Owner,
    DateTimeOffset Now,
    TimeSpan Lease,
    int Max,
    IReadOnlyCollection<string> ExcludedWebhooks,
    IReadOnlyDictionary<string, int> Capacity,
    int DefaultCapacity);

public interface IDeliveryStore
{
    /// <summary>Leases due deliveries within the limits of <paramref name="request"/>.</summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Records attempts, moves their deliveries on, and applies the status machine to their webhooks.
    /// Returns the webhooks whose status changed.
    /// </summary>
    Task<IReadOnlyList<WebhookStatusChange>> CompleteAsync(IReadOnlyList<AttemptRecord> attempts, DateTimeOffset now, TimeSpan disableAfter, CancellationToken cancellationToken);

    /// <summary>Gives leased deliveries back (on shutdown) so they are due at once.</summary>
    Task ReleaseAsync(string owner, IReadOnlyList<string> deliveryIds, CancellationToken cancellationToken);

    /// <summary>
    /// The earliest due time after <paramref name="after"/> of a pending, sendable delivery; null
    /// when there is none. An index seek, cheap enough for every idle round of the dispatcher.
    /// </summary>
    Task<DateTimeOffset?> NextDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken);

    Task<DeliveryView?> GetAsync(string id, string? domainId, CancellationToken cancellationToken);

    Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, CancellationToken cancellationToken);

    /// <summary>Makes a delivery due now again (also a failed or cancelled one). False when not found.</summary>
    Task<DeliveryView?> RetryAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken);
}

public static class DeliveryStoreExtensions
{
    /// <summary>Claims without lane limits: every webhook, up to <paramref name="max"/> each.</summary>
    public static Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(this IDeliveryStore store, string owner, DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.ClaimDueAsync(new ClaimRequest(owner, now, lease, max, [], new Dictionary<string, int>(), max), cancellationToken);
    }
}
