using System.Text.Json;
using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Metrics;
using Herald.Delivery.Tracing;
using Herald.Delivery.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Ingest;

/// <summary>A validated event and its parsed envelope (what query filters read).</summary>
public readonly record struct IncomingEvent(PublishedEvent Event, JsonElement Envelope);

/// <summary>
/// Fan-out and storage shared by the publish API and Herald's own operational events: match each
/// event against the webhook index, store events and deliveries in one batch (the store's due-work notice wakes the dispatcher).
/// </summary>
public sealed class EventIngestor(IEventStore store, WebhookRegistry registry, HeraldMetrics metrics, TimeProvider time, LaneHandOff? handOff = null)
{
    /// <summary>Matches and stores; the store's due-work notice wakes the dispatcher.</summary>
    /// <param name="fromApi">True for events published through the API (counted in the
    /// events-received metrics); false for Herald's own operational events.</param>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<IncomingEvent> incoming, string? idempotencyScope, string? idempotencyKey, bool fromApi, CancellationToken cancellationToken)
    {
        // The publish span's parent is the HTTP request's span, whose parent is the publisher's
        // traceparent when it sent one; its context is stored with each event for the attempts.
        using var publish = HeraldActivities.Source.StartActivity("publish");
        publish?.SetTag("herald.events", incoming.Count);
        var traceParent = HeraldActivities.TraceParentOf(publish);
        var traceState = traceParent is null ? null : publish!.TraceStateString;
        var now = time.GetUtcNow();
        var index = registry.Current;
        var events = new List<StoredEvent>(incoming.Count);
        var deliveries = new List<NewDelivery>();
        var matches = new List<Webhook>();
        using (var match = HeraldActivities.Source.StartActivity("match"))
        {
            foreach (var (published, envelope) in incoming)
            {
                var stored = new StoredEvent(Guid.CreateVersion7(now).ToString(), published, now, traceParent, traceState);
                events.Add(stored);
                matches.Clear();
                index.Match(published, envelope, matches);
                foreach (var webhook in matches)
                {
                    // A delivery belongs to its webhook's domain: a tenant sees deliveries to its own webhooks only.
                    deliveries.Add(new NewDelivery(
                        Guid.CreateVersion7(now).ToString(), webhook.Id, stored.Id, published.ObjectId, webhook.DomainId, now,
                        Ordered: webhook.Ordering == WebhookOrdering.Object));
                }
            }

            match?.SetTag("herald.deliveries", deliveries.Count);
        }

        IngestResult result;
        using (var storing = HeraldActivities.Source.StartActivity("store"))
        {
            // Fresh deliveries whose lanes have room go straight to them where the store allows it.
            var batch = new IngestBatch(events, deliveries, idempotencyScope, idempotencyKey, now);
            result = handOff is null ? await store.IngestAsync(batch, cancellationToken) : await handOff.IngestAsync(store, batch, cancellationToken);
            storing?.SetTag("herald.idempotent_replay", result.Replayed);
        }

        if (fromApi)
        {
            metrics.Published(events.Count, deliveries.Count, result.Replayed);
        }

        return result;
    }
}
