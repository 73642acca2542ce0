using System.Collections.Concurrent;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Dispatching;

/// <summary>The lanes of all webhooks that have had work, or that have limits of their own.</summary>
/// <remarks>
/// Each dispatcher round looks only at the <em>active</em> lanes: those holding work, with an
/// unhealthy circuit, or with limits of their own. A lane that has gone idle with default limits
/// leaves the active set (its state stays, and it rejoins when work is queued on it), so with
/// 10,000 webhooks a round no longer walks 10,000 lanes — that walk was a fifth of Herald's CPU in
/// a 10,000-webhook fan-out. A claim gives an idle lane the room of a new one.
/// </remarks>
internal sealed class WebhookLanes(DispatcherOptions options)
{
    private readonly ConcurrentDictionary<string, WebhookLane> _lanes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WebhookLane> _active = new(StringComparer.Ordinal);
    private readonly HashSet<string> _forgetting = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _created = new();
    private WebhookIndex? _planned;

    /// <summary>What a claim may take for a webhook that has no lane yet: a new default lane's room.</summary>
    public int DefaultRoom { get; } = WebhookLane.InitialRoom(options.PerWebhookConcurrency, options);

    public IEnumerable<WebhookLane> All => _lanes.Values;

    /// <summary>The lanes a round looks at: holding work, with an unhealthy circuit, or with limits of their own.</summary>
    public IEnumerable<WebhookLane> Active
    {
        get
        {
            // Enumerating the dictionary itself takes no lock and copies nothing (Values does both).
            foreach (var (_, lane) in _active)
            {
                yield return lane;
            }
        }
    }


    /// <summary>The webhook's lane, with the webhook's current limits.</summary>
    public WebhookLane For(Webhook webhook)
    {
        var limit = webhook.MaxConcurrency ?? options.PerWebhookConcurrency;
        var lane = _lanes.GetOrAdd(webhook.Id, id =>
        {
            // The caller may hold an older index than the next plan (the ingest hand-off reads its
            // own): the plan checks the new lane's webhook against its index.
            _created.Enqueue(id);
            return new WebhookLane(limit, webhook.RateLimit, options) { Partition = LanePartitions.Of(id), OnWork = l => _active[id] = l };
        });
        if (lane.Limit != limit || lane.RatePerSecond != webhook.RateLimit)
        {
            lane.Reconfigure(limit, webhook.RateLimit);
        }

        if (!HasDefaultLimits(lane))
        {
            _active[webhook.Id] = lane;
        }

        return lane;
    }

    /// <summary>
    /// What the next claim may take per webhook (webhooks not listed: <see cref="DefaultRoom"/>),
    /// the earliest time a lane closed for now opens again, and how many claimed deliveries wait on
    /// the lanes: one look at each active lane.
    /// </summary>
    public LanePlan Plan(WebhookIndex index, DateTimeOffset now)
    {
        // A webhook's lane follows its definition: only the webhooks changed since the last plan
        // are looked at (the index's change journal), every one only after a rebuilt index.
        if (!ReferenceEquals(index, _planned))
        {
            if (_planned?.LastChange.ChangesThrough(index.LastChange) is { } changed)
            {
                foreach (var id in changed)
                {
                    if (index.Find(id) is { } indexed)
                    {
                        Follow(indexed.Webhook);
                    }
                    else
                    {
                        DropIfDone(id);
                    }
                }
            }
            else
            {
                foreach (var indexed in index.All)
                {
                    Follow(indexed.Webhook);
                }

                foreach (var id in _lanes.Keys)
                {
                    if (index.Find(id) is null)
                    {
                        DropIfDone(id);
                    }
                }
            }

            _planned = index;
        }

        // Lanes made since the last plan, and lanes of deleted webhooks that still had work when
        // their deletion was seen: a lane whose webhook this index does not hold is forgotten once
        // nothing of it runs or waits (a lane made for a webhook newer than this index is found by
        // a later plan, and kept).
        while (_created.TryDequeue(out var created))
        {
            _forgetting.Add(created);
        }

        if (_forgetting.Count > 0)
        {
            _forgetting.RemoveWhere(id => index.Find(id) is not null || !_lanes.TryGetValue(id, out var lane) || TryForget(id, lane));
        }

        var plan = new LanePlan();
        foreach (var (id, lane) in _active)
        {
            var state = lane.State(now, options.PerWebhookConcurrency);
            if (state.PlainIdle)
            {
                // Out of the active set; work queued meanwhile (queued first, then activated) is
                // seen by the second look and the lane stays.
                _active.TryRemove(new KeyValuePair<string, WebhookLane>(id, lane));
                state = lane.State(now, options.PerWebhookConcurrency);
                if (state.PlainIdle)
                {
                    continue;
                }

                _active[id] = lane;
            }

            plan.Waiting += state.Waiting;
            if (state.InFlight + state.Waiting > 0)
            {
                plan.Busy.Add(id);
            }

            if (state.Room == DefaultRoom)
            {
                continue;
            }

            plan.Capacity[id] = state.Room;
            if (state.Room == 0)
            {
                var at = state.ReopensAt ?? (state.RateLimited ? now + TimeSpan.FromMilliseconds(100) : null);
                if (at is { } time && (plan.Reopens is null || time < plan.Reopens))
                {
                    plan.Reopens = time;
                }
            }
        }

        return plan;
    }

    private bool HasDefaultLimits(WebhookLane lane) => lane.Limit == options.PerWebhookConcurrency && lane.RatePerSecond is null;

    /// <summary>
    /// Forgets the lane of a deleted webhook, if it has one, once nothing of it runs or waits; until
    /// then every plan tries again.
    /// </summary>
    private void DropIfDone(string id)
    {
        if (_lanes.TryGetValue(id, out var lane) && !TryForget(id, lane))
        {
            _forgetting.Add(id);
        }
    }

    /// <summary>
    /// Retires <paramref name="lane"/> (it takes no more work) and forgets it, unless something of
    /// it still runs or waits: its webhook was deleted and its last attempt has finished.
    /// </summary>
    private bool TryForget(string id, WebhookLane lane)
    {
        if (!lane.TryRetire())
        {
            return false;
        }

        _lanes.TryRemove(new KeyValuePair<string, WebhookLane>(id, lane));
        _active.TryRemove(new KeyValuePair<string, WebhookLane>(id, lane));
        return true;
    }

    /// <summary>Gives a webhook with limits of its own its lane, and a webhook's lane its current limits.</summary>
    private void Follow(Webhook webhook)
    {
        if (webhook.MaxConcurrency is not null || webhook.RateLimit is not null || _lanes.ContainsKey(webhook.Id))
        {
            For(webhook);
        }
    }

}

/// <summary>What <see cref="WebhookLanes.Plan"/> found: the next claim's capacities, when a closed lane reopens, the work waiting.</summary>
internal sealed class LanePlan
{
    /// <summary>Per webhook, what the next claim may take (webhooks not listed: <see cref="WebhookLanes.DefaultRoom"/>).</summary>
    public Dictionary<string, int> Capacity { get; } = new(StringComparer.Ordinal);

    /// <summary>The earliest time a lane closed for now (open circuit, rate limit) may take work again.</summary>
    public DateTimeOffset? Reopens { get; set; }

    /// <summary>Claimed deliveries waiting on the active lanes.</summary>
    public int Waiting { get; set; }

    /// <summary>The webhooks whose lanes hold work, in flight or waiting.</summary>
    public List<string> Busy { get; } = [];

    /// <summary>Leaves every lane that held work (in flight or waiting) when the plan was made out of its claim.</summary>
    public void LeaveOutBusy()
    {
        foreach (var id in Busy)
        {
            Capacity[id] = 0;
        }
    }

    public void Deconstruct(out Dictionary<string, int> capacity, out DateTimeOffset? reopens)
    {
        capacity = Capacity;
        reopens = Reopens;
    }
}
