using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Storage;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// Direct hand-off from ingest to the lanes, for stores whose leases live in this process
/// (<see cref="IIngestHandOff"/>: SQLite). A fresh delivery whose lane has room is leased by the
/// ingest's own writer request and, once its row is durable, queued on its lane and started, with
/// no claim reading it back. Backlog, retries, ordered webhooks' deliveries and anything beyond the
/// lanes' room still come from claims, in order. Any other store ingests as usual.
/// </summary>
public sealed class LaneHandOff
{
    private volatile DeliveryDispatcher? _dispatcher;

    /// <summary>The running dispatcher takes fresh deliveries from now on.</summary>
    internal void Attach(DeliveryDispatcher dispatcher) => _dispatcher = dispatcher;

    /// <summary>Stopping: fresh deliveries go through claims (of the next start) again.</summary>
    internal void Detach() => _dispatcher = null;

    /// <summary>Stores <paramref name="batch"/>, handing what the lanes take to the dispatcher.</summary>
    public async Task<IngestResult> IngestAsync(IEventStore store, IngestBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(batch);
        if (_dispatcher is not { } dispatcher || store is not IIngestHandOff direct || batch.Deliveries.Count == 0)
        {
            return await store.IngestAsync(batch, cancellationToken);
        }

        var handed = await direct.IngestAsync(batch, dispatcher.HandOffRequest, cancellationToken);
        if (handed.Leased.Count > 0)
        {
            dispatcher.Accept(ToClaimed(batch.Events, handed));
        }

        return handed.Result;
    }

    private static List<ClaimedDelivery> ToClaimed(IReadOnlyList<StoredEvent> events, HandOffResult handed)
    {
        Dictionary<string, StoredEvent>? byId = null;
        if (events.Count > 4)
        {
            byId = new Dictionary<string, StoredEvent>(events.Count, StringComparer.Ordinal);
            foreach (var stored in events)
            {
                byId[stored.Id] = stored;
            }
        }

        var claimed = new List<ClaimedDelivery>(handed.Leased.Count);
        StoredEvent? last = null;
        string? name = null;
        foreach (var delivery in handed.Leased)
        {
            if (last is null || !string.Equals(last.Id, delivery.EventId, StringComparison.Ordinal))
            {
                last = byId is not null ? byId[delivery.EventId] : Find(events, delivery.EventId);
                name = last.Event.EventName;
            }

            claimed.Add(new ClaimedDelivery(
                delivery.Id, delivery.WebhookId, delivery.EventId, delivery.ObjectId, 0, name!, last.Event.Body, handed.LeaseUntil, last.TraceParent, last.TraceState));
        }

        return claimed;
    }

    private static StoredEvent Find(IReadOnlyList<StoredEvent> events, string id)
    {
        foreach (var stored in events)
        {
            if (string.Equals(stored.Id, id, StringComparison.Ordinal))
            {
                return stored;
            }
        }

        throw new InvalidOperationException($"The ingest leased a delivery of event {id}, which is not in its batch.");
    }
}
