namespace Herald.Core.Deliveries;

// The records the engine passes around; the store contracts take and return them, but they are
// the domain's, so the HTTP sender and the dispatcher need not import storage.

/// <summary>A delivery created by fan-out: one per (event, matching webhook); <paramref name="Ordered"/> for <c>ordering: "object"</c>.</summary>
public sealed record NewDelivery(string Id, string WebhookId, string EventId, string? ObjectId, string? DomainId, DateTimeOffset NextAttemptAt, bool Ordered = false);

/// <summary>
/// A due delivery leased to one dispatcher until <see cref="LeaseUntil"/>, with what it needs to send.
/// While leased, its next attempt time is the lease's end: if the attempt never reports back, that
/// is when it is due again.
/// </summary>
public sealed record ClaimedDelivery(
    string Id,
    string WebhookId,
    string EventId,
    string? ObjectId,
    int AttemptCount,
    string EventName,
    ReadOnlyMemory<byte> Body,
    DateTimeOffset LeaseUntil,
    string? TraceParent = null,
    string? TraceState = null);

/// <summary>
/// The outcome of one attempt, and what happens to the delivery next. <see cref="LeaseUntil"/> is
/// the lease the delivery was claimed with (<see cref="ClaimedDelivery.LeaseUntil"/>); null only
/// for a delivery that was never leased. The store applies the record only while the delivery is
/// still pending under that very lease.
/// </summary>
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
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LeaseUntil = null);
