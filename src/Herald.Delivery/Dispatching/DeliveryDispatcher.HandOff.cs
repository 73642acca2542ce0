using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Dispatching;

/// <summary>The dispatcher's side of <see cref="LaneHandOff"/>: room per lane, and taking handed-off deliveries.</summary>
public sealed partial class DeliveryDispatcher
{
    /// <summary>
    /// How many more deliveries may wait beyond those in flight, like a claim's budget; reset by
    /// every round, spent by hand-offs in between (so a stream of ingests cannot pile up work).
    /// </summary>
    private int _handOffBudget;

    private HandOffRequest? _handOffRequest;

    internal HandOffRequest HandOffRequest => _handOffRequest ??= new HandOffRequest(_options.NodeId, Lease, HandOffRoom);

    /// <summary>
    /// Asked by the store's writer, once per webhook per ingest batch: how many of its fresh
    /// deliveries its lane takes now. Ordered webhooks take none (a claim alone knows what waits on
    /// an earlier delivery of the same object).
    /// </summary>
    private int HandOffRoom(string webhookId, int wanted)
    {
        if (_stopping || Volatile.Read(ref _handOffBudget) <= 0)
        {
            return 0;
        }

        var webhook = _registry.Current.Find(webhookId)?.Webhook;
        if (webhook is null || !webhook.Status.Sends() || webhook.Ordering == WebhookOrdering.Object)
        {
            return 0;
        }

        var room = Math.Min(Math.Min(_lanes.For(webhook).HandOffRoom(_time.GetUtcNow()), Volatile.Read(ref _handOffBudget)), wanted);
        if (room > 0)
        {
            Interlocked.Add(ref _handOffBudget, -room);
        }

        return Math.Max(room, 0);
    }

    /// <summary>Queues deliveries leased by an ingest on their lanes and starts them (their rows are durable).</summary>
    internal void Accept(IReadOnlyList<ClaimedDelivery> deliveries)
    {
        var refused = Feed(deliveries, _registry.Current, _time.GetUtcNow());
        if (refused.Count > 0)
        {
            _ = ReleaseQuietlyAsync(refused);
        }
    }
}
