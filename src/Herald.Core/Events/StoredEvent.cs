namespace Herald.Core.Events;

/// <summary>
/// An accepted event, as it is stored. <paramref name="TraceParent"/> and <paramref name="TraceState"/>
/// are the W3C trace context of the publish span, kept so every attempt (also retries much later)
/// joins the publisher's trace.
/// </summary>
public sealed record StoredEvent(string Id, PublishedEvent Event, DateTimeOffset ReceivedAt, string? TraceParent = null, string? TraceState = null);
