using System.Collections.Immutable;
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
/// An immutable snapshot of every webhook, read without locks. Matching touches only the bucket of
/// the event's (event type, domain) and the bucket of the event type's webhooks without a domain.
/// <see cref="With"/> and <see cref="Without"/> return a new snapshot that shares everything but
/// the changed webhook's paths: O(log n) in the number of webhooks plus a copy of the one bucket it
/// sits in (a bucket holds one domain's webhooks of one event type). Each snapshot made that way
/// appends its change to a journal (<see cref="LastChange"/>), so a consumer that keeps per-webhook
/// state (lane limits) visits only what changed since it last looked.
/// </summary>
public sealed class WebhookIndex
{
    private static readonly IndexedWebhook[] NoWebhooks = [];

    private readonly ImmutableDictionary<string, IndexedWebhook> _byId;
    private readonly ImmutableDictionary<BucketKey, IndexedWebhook[]> _buckets;
    private readonly ImmutableArray<int> _statusCounts;

    public WebhookIndex(IEnumerable<IndexedWebhook> webhooks)
    {
        ArgumentNullException.ThrowIfNull(webhooks);
        var byId = ImmutableDictionary.CreateBuilder<string, IndexedWebhook>(StringComparer.Ordinal);
        foreach (var webhook in webhooks)
        {
            byId[webhook.Webhook.Id] = webhook;
        }

        var buckets = new Dictionary<BucketKey, List<IndexedWebhook>>();
        var counts = new int[StatusCount];
        foreach (var webhook in byId.Values)
        {
            counts[(int)webhook.Webhook.Status]++;
            if (webhook.Webhook.Status.Matches())
            {
                var key = BucketKey.Of(webhook.Webhook);
                if (!buckets.TryGetValue(key, out var list))
                {
                    buckets[key] = list = [];
                }

                list.Add(webhook);
            }
        }

        var bucketBuilder = ImmutableDictionary.CreateBuilder<BucketKey, IndexedWebhook[]>();
        foreach (var (key, list) in buckets)
        {
            var array = list.ToArray();
            Array.Sort(array, static (a, b) => string.CompareOrdinal(a.Webhook.Id, b.Webhook.Id));
            bucketBuilder[key] = array;
        }

        _byId = byId.ToImmutable();
        _buckets = bucketBuilder.ToImmutable();
        _statusCounts = [.. counts];
        LastChange = new WebhookIndexChange(null);
    }

    private WebhookIndex(
        ImmutableDictionary<string, IndexedWebhook> byId, ImmutableDictionary<BucketKey, IndexedWebhook[]> buckets, ImmutableArray<int> statusCounts, WebhookIndexChange lastChange)
    {
        _byId = byId;
        _buckets = buckets;
        _statusCounts = statusCounts;
        LastChange = lastChange;
    }

    public static WebhookIndex Empty => new([]);

    private static int StatusCount { get; } = Enum.GetValues<WebhookStatus>().Length;

    public int Count => _byId.Count;

    public IEnumerable<IndexedWebhook> All => _byId.Values;

    /// <summary>
    /// The newest entry of the change journal: the webhook whose change made this snapshot, or an
    /// entry with a null id for a snapshot built from scratch (everything may have changed).
    /// </summary>
    public WebhookIndexChange LastChange { get; }

    public IndexedWebhook? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>How many webhooks have <paramref name="status"/>.</summary>
    public int CountOf(WebhookStatus status) => _statusCounts[(int)status];

    /// <summary>A snapshot with <paramref name="webhook"/> added, or replacing the webhook with its id.</summary>
    public WebhookIndex With(IndexedWebhook webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var id = webhook.Webhook.Id;
        var previous = Find(id);
        var buckets = previous is null ? _buckets : Remove(_buckets, previous);
        if (webhook.Webhook.Status.Matches())
        {
            buckets = Add(buckets, webhook);
        }

        var counts = _statusCounts.ToBuilder();
        if (previous is not null)
        {
            counts[(int)previous.Webhook.Status]--;
        }

        counts[(int)webhook.Webhook.Status]++;
        return new WebhookIndex(_byId.SetItem(id, webhook), buckets, counts.MoveToImmutable(), LastChange.Append(id));
    }

    /// <summary>A snapshot without the webhook <paramref name="id"/> (this one when it is not indexed).</summary>
    public WebhookIndex Without(string id)
    {
        if (Find(id) is not { } previous)
        {
            return this;
        }

        var counts = _statusCounts.ToBuilder();
        counts[(int)previous.Webhook.Status]--;
        return new WebhookIndex(_byId.Remove(id), Remove(_buckets, previous), counts.MoveToImmutable(), LastChange.Append(id));
    }

    /// <summary>Adds every webhook matching <paramref name="published"/> to <paramref name="matches"/>.</summary>
    public void Match(PublishedEvent published, JsonElement envelope, List<Webhook> matches)
    {
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(matches);
        if (_buckets.TryGetValue(new BucketKey(published.EventType, null), out var anyDomain))
        {
            MatchIn(anyDomain, published, envelope, matches);
        }

        if (published.DomainId is not null && _buckets.TryGetValue(new BucketKey(published.EventType, published.DomainId), out var sameDomain))
        {
            MatchIn(sameDomain, published, envelope, matches);
        }
    }

    private static void MatchIn(IndexedWebhook[] candidates, PublishedEvent published, JsonElement envelope, List<Webhook> matches)
    {
        foreach (var candidate in candidates)
        {
            // Event type and domain are the bucket's.
            var webhook = candidate.Webhook;
            if ((webhook.Operation is null or Operations.All || string.Equals(webhook.Operation, published.Operation, StringComparison.Ordinal))
                && (webhook.Realm is null || string.Equals(webhook.Realm, published.Realm, StringComparison.Ordinal))
                && (webhook.ObjectId is null || string.Equals(webhook.ObjectId, published.ObjectId, StringComparison.Ordinal))
                && (candidate.Filter is null || candidate.Filter.Matches(envelope)))
            {
                matches.Add(webhook);
            }
        }
    }

    /// <summary>Copies only the webhook's bucket, keeping it in id (creation) order.</summary>
    private static ImmutableDictionary<BucketKey, IndexedWebhook[]> Add(ImmutableDictionary<BucketKey, IndexedWebhook[]> buckets, IndexedWebhook webhook)
    {
        var key = BucketKey.Of(webhook.Webhook);
        var bucket = buckets.GetValueOrDefault(key, NoWebhooks);
        var at = Position(bucket, webhook.Webhook.Id);
        var copy = new IndexedWebhook[bucket.Length + 1];
        Array.Copy(bucket, copy, at);
        copy[at] = webhook;
        Array.Copy(bucket, at, copy, at + 1, bucket.Length - at);
        return buckets.SetItem(key, copy);
    }

    private static ImmutableDictionary<BucketKey, IndexedWebhook[]> Remove(ImmutableDictionary<BucketKey, IndexedWebhook[]> buckets, IndexedWebhook webhook)
    {
        var key = BucketKey.Of(webhook.Webhook);
        if (!buckets.TryGetValue(key, out var bucket))
        {
            return buckets;
        }

        var at = Position(bucket, webhook.Webhook.Id);
        if (at >= bucket.Length || !string.Equals(bucket[at].Webhook.Id, webhook.Webhook.Id, StringComparison.Ordinal))
        {
            return buckets;
        }

        if (bucket.Length == 1)
        {
            return buckets.Remove(key);
        }

        var copy = new IndexedWebhook[bucket.Length - 1];
        Array.Copy(bucket, copy, at);
        Array.Copy(bucket, at + 1, copy, at, bucket.Length - at - 1);
        return buckets.SetItem(key, copy);
    }

    /// <summary>Where <paramref name="id"/> is, or would go, in a bucket sorted by id.</summary>
    private static int Position(IndexedWebhook[] bucket, string id)
    {
        int low = 0, high = bucket.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (string.CompareOrdinal(bucket[middle].Webhook.Id, id) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>A bucket: one event type, and one domain or (null) every domain.</summary>
    private readonly record struct BucketKey(string EventType, string? DomainId)
    {
        public static BucketKey Of(Webhook webhook) => new(webhook.EventType, webhook.DomainId);
    }
}

/// <summary>
/// One entry of <see cref="WebhookIndex"/>'s change journal. Entries link forward (older to newer),
/// so an entry nobody holds any more is collected however long the journal grows.
/// </summary>
public sealed class WebhookIndexChange
{
    private WebhookIndexChange? _next;

    internal WebhookIndexChange(string? id) => Id = id;

    /// <summary>The changed webhook's id; null when the snapshot was built from scratch.</summary>
    public string? Id { get; }

    /// <summary>The change made after this one, or null while none was (or the next snapshot branched off elsewhere).</summary>
    public WebhookIndexChange? Next => Volatile.Read(ref _next);

    /// <summary>
    /// The ids changed after this entry up to and including <paramref name="last"/>; null when
    /// <paramref name="last"/> is not reached by following the journal, or when an entry on the way
    /// is a rebuild (the caller must then look at everything).
    /// </summary>
    public IReadOnlyList<string>? ChangesThrough(WebhookIndexChange last)
    {
        ArgumentNullException.ThrowIfNull(last);
        var ids = new List<string>();
        for (var entry = this; !ReferenceEquals(entry, last);)
        {
            entry = entry.Next;
            if (entry?.Id is not { } id)
            {
                return null;
            }

            ids.Add(id);
        }

        return ids;
    }

    /// <summary>
    /// The entry after this one. When this entry already has a successor (a second snapshot derived
    /// from the same one), the new entry starts a journal of its own that no older entry reaches, so
    /// a consumer following the journal falls back to looking at everything.
    /// </summary>
    internal WebhookIndexChange Append(string id)
    {
        var next = new WebhookIndexChange(id);
        Interlocked.CompareExchange(ref _next, next, null);
        return next;
    }
}
