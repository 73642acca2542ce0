using Herald.Core.Deliveries;
using Herald.Core.Events;

namespace Herald.Storage;

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
