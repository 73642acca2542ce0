using Herald.Core.Webhooks;

namespace Herald.Storage;

/// <summary>One webhook's attempts in a window: how many, how many succeeded (2xx), and the 95th percentile latency.</summary>
public sealed record WebhookAttemptStats(string WebhookId, int Attempts, int Succeeded, double? P95Ms, double? AverageMs)
{
    public double? SuccessRate => Attempts == 0 ? null : (double)Succeeded / Attempts;

    public int Failed => Attempts - Succeeded;
}

/// <summary>Attempts that started in one minute (<see cref="Minute"/> is its start), by outcome.</summary>
public sealed record MinuteCounts(DateTimeOffset Minute, int Succeeded, int Failed);

/// <summary>Everything the dashboard and the webhook list show, read in one pass.</summary>
public sealed record DeliveryStats(
    DateTimeOffset Since,
    DateTimeOffset Now,
    IReadOnlyDictionary<string, WebhookAttemptStats> ByWebhook,
    IReadOnlyList<MinuteCounts> LastHour,
    long Pending);

/// <summary>An event as stored, for showing the request a delivery sent.</summary>
public sealed record EventRecord(string Id, string? DomainId, string EventType, string? Realm, string Operation, string? ObjectId, ReadOnlyMemory<byte> Body, DateTimeOffset ReceivedAt);

/// <summary>
/// Read-only queries for the admin UI: statistics over recent attempts, deliveries in a time range,
/// the event behind a delivery. They run on read connections beside the writer and are never on the
/// delivery path. <c>domainId</c> null reads every domain; otherwise only that domain's rows.
/// </summary>
public interface IDeliveryStatsStore
{
    /// <summary>
    /// Attempts of deliveries created since <paramref name="since"/>, per webhook; attempts per minute
    /// over the hour before <paramref name="now"/>; and the number of pending deliveries.
    /// </summary>
    Task<DeliveryStats> ReadAsync(string? domainId, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deliveries as <see cref="IDeliveryStore.ListAsync"/> lists them, created in [<paramref name="since"/>, <paramref name="until"/>).</summary>
    Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken);

    Task<EventRecord?> GetEventAsync(string id, string? domainId, CancellationToken cancellationToken);

    /// <summary>Webhooks per status, for the dashboard.</summary>
    Task<IReadOnlyDictionary<WebhookStatus, int>> CountWebhooksAsync(string? domainId, CancellationToken cancellationToken);
}
