using System.Collections.Frozen;
using System.Text.Json;
using Herald.Core.Events;

namespace Herald.Core.Webhooks;

/// <summary>A payload filter compiled once per webhook (the query language plugs in here).</summary>
public interface IEventFilter
{
    bool Matches(JsonElement envelope);
}

/// <summary>A webhook ready for matching: its definition plus its compiled filter.</summary>
public sealed record IndexedWebhook(Webhook Webhook, IEventFilter? Filter);

/// <summary>
/// An immutable snapshot of every webhook, bucketed by event type so matching touches only the
/// definitions that could apply. Rebuilt (cheaply) whenever definitions change.
/// </summary>
public sealed class WebhookIndex
{
    private readonly FrozenDictionary<string, IndexedWebhook[]> _byEventType;
    private readonly FrozenDictionary<string, IndexedWebhook> _byId;

    public WebhookIndex(IEnumerable<IndexedWebhook> webhooks)
    {
        ArgumentNullException.ThrowIfNull(webhooks);
        var all = webhooks.ToList();
        _byId = all.ToFrozenDictionary(w => w.Webhook.Id, StringComparer.Ordinal);
        _byEventType = all
            .Where(w => w.Webhook.Status.Matches())
            .GroupBy(w => w.Webhook.EventType, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public static WebhookIndex Empty { get; } = new([]);

    public int Count => _byId.Count;

    public IEnumerable<IndexedWebhook> All => _byId.Values;

    public IndexedWebhook? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Adds every webhook matching <paramref name="published"/> to <paramref name="matches"/>.</summary>
    public void Match(PublishedEvent published, JsonElement envelope, List<Webhook> matches)
    {
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(matches);
        if (!_byEventType.TryGetValue(published.EventType, out var candidates))
        {
            return;
        }

        foreach (var candidate in candidates)
        {
            var webhook = candidate.Webhook;
            if ((webhook.DomainId is null || string.Equals(webhook.DomainId, published.DomainId, StringComparison.Ordinal))
                && (webhook.Operation is null or Operations.All || string.Equals(webhook.Operation, published.Operation, StringComparison.Ordinal))
                && (webhook.Realm is null || string.Equals(webhook.Realm, published.Realm, StringComparison.Ordinal))
                && (webhook.ObjectId is null || string.Equals(webhook.ObjectId, published.ObjectId, StringComparison.Ordinal))
                && (candidate.Filter is null || candidate.Filter.Matches(envelope)))
            {
                matches.Add(webhook);
            }
        }
    }
}
