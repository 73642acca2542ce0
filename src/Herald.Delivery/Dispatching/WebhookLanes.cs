using System.Collections.Concurrent;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Dispatching;

/// <summary>The lanes of all webhooks that have had work, or that have limits of their own.</summary>
internal sealed class WebhookLanes(DispatcherOptions options)
{
    private readonly ConcurrentDictionary<string, WebhookLane> _lanes = new(StringComparer.Ordinal);
    private WebhookIndex? _planned;

    /// <summary>What a claim may take for a webhook that has no lane yet: a new default lane's room.</summary>
    public int DefaultRoom { get; } = WebhookLane.InitialRoom(options.PerWebhookConcurrency, options);

    public IEnumerable<WebhookLane> All => _lanes.Values;

    /// <summary>The webhook's lane, with the webhook's current limits.</summary>
    public WebhookLane For(Webhook webhook)
    {
        var limit = webhook.MaxConcurrency ?? options.PerWebhookConcurrency;
        var lane = _lanes.GetOrAdd(webhook.Id, id => new WebhookLane(limit, webhook.RateLimit, options) { Partition = LanePartitions.Of(id) });
        if (lane.Limit != limit || lane.RatePerSecond != webhook.RateLimit)
        {
            lane.Reconfigure(limit, webhook.RateLimit);
        }

        return lane;
    }

    /// <summary>
    /// What the next claim may take per webhook (webhooks not listed: <see cref="DefaultRoom"/>),
    /// and the earliest time a lane closed for now opens again.
    /// </summary>
    public (Dictionary<string, int> Capacity, DateTimeOffset? Reopens) Plan(WebhookIndex index, DateTimeOffset now)
    {
        // Walking every webhook is only needed when the definitions changed, not on every round.
        if (!ReferenceEquals(index, _planned))
        {
            foreach (var indexed in index.All)
            {
                if (indexed.Webhook.MaxConcurrency is not null || indexed.Webhook.RateLimit is not null || _lanes.ContainsKey(indexed.Webhook.Id))
                {
                    For(indexed.Webhook);
                }
            }

            _planned = index;
        }

        var capacity = new Dictionary<string, int>(StringComparer.Ordinal);
        DateTimeOffset? reopens = null;
        foreach (var (id, lane) in _lanes)
        {
            if (index.Find(id) is null && lane.InFlight == 0 && lane.Waiting == 0)
            {
                // Its webhook was deleted and its last attempt has finished.
                _lanes.TryRemove(id, out _);
                continue;
            }

            var room = lane.Room(now);
            if (room == DefaultRoom)
            {
                continue;
            }

            capacity[id] = room;
            if (room == 0)
            {
                var at = lane.ReopensAt(now) ?? (lane.IsRateLimited ? now + TimeSpan.FromMilliseconds(100) : null);
                if (at is { } time && (reopens is null || time < reopens))
                {
                    reopens = time;
                }
            }
        }

        return (capacity, reopens);
    }

    /// <summary>Leaves every lane that holds work (in flight or waiting) out of <paramref name="capacity"/>.</summary>
    public void LeaveOutBusy(Dictionary<string, int> capacity)
    {
        foreach (var (id, lane) in _lanes)
        {
            if (lane.InFlight + lane.Waiting > 0)
            {
                capacity[id] = 0;
            }
        }
    }
}
