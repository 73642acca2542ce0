using Herald.Core.Webhooks;

namespace Herald.Storage;

/// <summary>
/// One recorded attempt as the statistics see it. <see cref="Cursor"/> orders attempts by when they
/// were recorded: reading on from the last cursor seen returns only newer attempts.
/// </summary>
public sealed record AttemptFact(long Cursor, string WebhookId, string? DomainId, DateTimeOffset StartedAt, int? StatusCode, double DurationMs)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>An event as stored, for showing the request a delivery sent.</summary>
public sealed record EventRecord(string Id, string? DomainId, string EventType, string? Realm, string Operation, string? ObjectId, ReadOnlyMemory<byte> Body, DateTimeOffset ReceivedAt);

/// <summary>
/// Read-only queries for the admin UI: recent attempts for statistics, deliveries in a time range,
/// the event behind a delivery. They run on read connections beside the writer and are never on the
/// delivery path. <c>domainId</c> null reads every domain; otherwise only that domain's rows.
/// </summary>
public interface IDeliveryStatsStore
{
    /// <summary>
    /// Attempts recorded after <paramref name="after"/> (0: from the first), oldest first, at most
    /// <paramref name="max"/>; read incrementally, so a statistics pass costs only what is new.
    /// </summary>
    Task<IReadOnlyList<AttemptFact>> ReadAttemptsAsync(long after, int max, CancellationToken cancellationToken);

    /// <summary>A cursor just before the first attempt recorded at or after <paramref name="since"/> (approximately: attempts are recorded in batches).</summary>
    Task<long> FindAttemptCursorAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Pending deliveries: due, waiting for a retry, or held by a paused webhook.</summary>
    Task<long> CountPendingAsync(string? domainId, CancellationToken cancellationToken);

    /// <summary>Deliveries as <see cref="IDeliveryStore.ListAsync"/> lists them, created in [<paramref name="since"/>, <paramref name="until"/>).</summary>
    Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken);

    Task<EventRecord?> GetEventAsync(string id, string? domainId, CancellationToken cancellationToken);

    /// <summary>Webhooks per status, for the dashboard.</summary>
    Task<IReadOnlyDictionary<WebhookStatus, int>> CountWebhooksAsync(string? domainId, CancellationToken cancellationToken);
}
