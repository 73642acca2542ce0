using System.Collections.Concurrent;
using Herald.Core.Webhooks;

namespace Herald.Delivery.Dispatching;

/// <summary>The lanes of all webhooks that have work in flight or limits of their own.</summary>
internal sealed class WebhookLanes(DispatcherOptions options)
{
    private readonly ConcurrentDictionary<string, WebhookLane> _lanes = new(StringComparer.Ordinal);
    private WebhookIndex? _planned;

    public WebhookLane For(Webhook webhook)
    {
        var limit = webhook.MaxConcurrency ?? options.PerWebhookConcurrency;
        var lane = _lanes.GetOrAdd(webhook.Id, _ => new WebhookLane(limit, webhook.RateLimit, options));
        if (lane.Limit != limit || lane.RatePerSecond != webhook.RateLimit)
        {
            // Limits changed: a fresh lane takes over; the old one's in-flight work finishes on it.
            var fresh = new WebhookLane(limit, webhook.RateLimit, options);
            _lanes[webhook.Id] = fresh;
            lane = fresh;
        }

        return lane;
    }

    /// <summary>
    /// What the next claim may take: webhooks to leave out entirely, and for the others any
    /// capacity below the default. Webhooks with limits of their own get a lane up front.
    /// </summary>
    public (List<string> Excluded, Dictionary<string, int> Capacity, DateTimeOffset? Reopens) Plan(WebhookIndex index, DateTimeOffset now)
    {
        // Walking every webhook is only needed when the definitions changed, not on every round.
        if (!ReferenceEquals(index, _planned))
        {
            foreach (var indexed in index.All)
            {
                if (indexed.Webhook.MaxConcurrency is not null || indexed.Webhook.RateLimit is not null)
                {
                    For(indexed.Webhook);
                }
            }

            _planned = index;
        }

        var excluded = new List<string>();
        var capacity = new Dictionary<string, int>(StringComparer.Ordinal);
        DateTimeOffset? reopens = null;
        foreach (var (id, lane) in _lanes)
        {
            var free = lane.Capacity(now);
            if (free <= 0)
            {
                excluded.Add(id);
                var at = lane.ReopensAt(now) ?? (lane.IsRateLimited ? now + TimeSpan.FromMilliseconds(100) : null);
                if (at is { } time && (reopens is null || time < reopens))
                {
                    reopens = time;
                }
            }
            else if (free != options.PerWebhookConcurrency)
            {
                capacity[id] = free;
            }
            else if (lane.InFlight == 0 && index.Find(id) is null)
            {
                _lanes.TryRemove(id, out _);
            }
        }

        return (excluded, capacity, reopens);
    }
}
