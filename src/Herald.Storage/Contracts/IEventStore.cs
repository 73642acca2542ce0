using Herald.Core.Events;

namespace Herald.Storage;

/// <summary>
/// An accepted event, as it is stored. <paramref name="TraceParent"/> and <paramref name="TraceState"/>
/// are the W3C trace context of the publish span, kept so every attempt (also retries much later)
/// joins the publisher's trace.
/// </summary>
public sealed record StoredEvent(string Id, PublishedEvent Event, DateTimeOffset ReceivedAt, string? TraceParent = null, string? TraceState = null);

/// <summary>A delivery created by fan-out: one per (event, matching webhook); <paramref name="Ordered"/> for <c>ordering: "object"</c>.</summary>
public sealed record NewDelivery(string Id, string WebhookId, string EventId, string? ObjectId, string? DomainId, DateTimeOffset NextAttemptAt, bool Ordered = false);

/// <summary>
/// Everything one publish request stores, written atomically: the events, their deliveries and the
/// idempotency key (scoped per tenant) that makes a re-publish return the same ids.
/// </summary>
public sealed record IngestBatch(
    IReadOnlyList<StoredEvent> Events,
    IReadOnlyList<NewDelivery> Deliveries,
    string? IdempotencyScope,
    string? IdempotencyKey,
    DateTimeOffset Now);

/// <summary>The ids the publish answers with; <see cref="Replayed"/> when the idempotency key was seen before.</summary>
public sealed record IngestResult(IReadOnlyList<string> EventIds, bool Replayed);

public interface IEventStore
{
    /// <summary>Stores the batch durably (all or nothing) before returning.</summary>
    Task<IngestResult> IngestAsync(IngestBatch batch, CancellationToken cancellationToken);
}
