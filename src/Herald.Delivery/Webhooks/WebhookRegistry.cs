using System.Collections.Concurrent;
using System.Collections.Frozen;
using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Webhooks;

/// <summary>
/// The live set of webhooks, as a <see cref="WebhookIndex"/> snapshot that readers use without locks.
/// A change notice that names a webhook (<see cref="IStoreChanges"/>, whoever wrote) re-reads that
/// one webhook and replaces it in the index (O(log n)); a notice without an id reloads everything.
/// Queries are compiled once per definition, not per event.
/// </summary>
/// <remarks>
/// Notices may be duplicated, coalesced or arrive in any order relative to the reads, so the store
/// is the truth: reads of one webhook run one after another (a read starts after the previous one
/// for the same id was applied, so it sees at least what that one saw), and a read never replaces a
/// newer <see cref="Webhook.Version"/> already indexed. A full reload that overlapped single-webhook
/// updates keeps what those updates applied where it is newer, and drops what they found deleted.
/// </remarks>
public sealed class WebhookRegistry
{
    private const int Stripes = 64;

    /// <summary>Reloads of at least this many webhooks (startup of a large install) end with a compacting collection.</summary>
    private const int CompactAfterReloadOf = 10_000;

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = FrozenDictionary<string, string>.Empty;

    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly Lock _apply = new();
    private readonly IWebhookStore _store;

    // One instance of each event type, domain, realm and operation, however many webhooks share it.
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private volatile WebhookIndex _index = WebhookIndex.Empty;
    private HashSet<string>? _touchedDuringReload;
    private long _requested;
    private long _loadedThrough;

    public WebhookRegistry(IWebhookStore store, IStoreChanges? changes = null)
    {
        _store = store;
        changes?.Subscribe(
            StoreChangeKind.Webhooks,
            (change, ct) => new ValueTask(change.Id is { } id ? RefreshAsync(id, ct) : RefreshAsync(ct)));
    }

    public WebhookIndex Current => _index;

    /// <summary>
    /// Reloads every webhook. Requests that arrive while a reload waits or runs coalesce: a request
    /// is served by any reload that started after it was made.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var ticket = Interlocked.Increment(ref _requested);
        await _reloadLock.WaitAsync(cancellationToken);
        try
        {
            if (Interlocked.Read(ref _loadedThrough) >= ticket)
            {
                return;
            }

            var through = Interlocked.Read(ref _requested);
            lock (_apply)
            {
                _touchedDuringReload = new HashSet<string>(StringComparer.Ordinal);
            }

            try
            {
                // Page by page, reusing what is indexed at the same version: a reload of an
                // unchanged set holds one page of fresh copies at a time, not a second set.
                var previous = _index;
                var loaded = new Dictionary<string, IndexedWebhook>(previous.Count, StringComparer.Ordinal);
                string? cursor = null;
                do
                {
                    var page = await _store.ListAsync(null, new PageRequest(PageRequest.MaxLimit, cursor), cancellationToken);
                    foreach (var webhook in page.Objects)
                    {
                        var old = previous.Find(webhook.Id);
                        loaded[webhook.Id] = old is not null && old.Webhook.Version == webhook.Version ? old : Indexed(webhook, old);
                    }

                    cursor = page.Next;
                }
                while (cursor is not null);

                lock (_apply)
                {
                    // What single-webhook updates applied while the load ran may be newer than what
                    // it read: a webhook they found gone is gone (deletes are final), a newer version wins.
                    var current = _index;
                    foreach (var id in _touchedDuringReload!)
                    {
                        if (current.Find(id) is not { } applied)
                        {
                            loaded.Remove(id);
                        }
                        else if (!loaded.TryGetValue(id, out var read) || read.Webhook.Version < applied.Webhook.Version)
                        {
                            loaded[id] = applied;
                        }
                    }

                    _index = new WebhookIndex(loaded.Values);
                }

                if (loaded.Count >= CompactAfterReloadOf)
                {
                    // A reload of many webhooks leaves as much garbage as it kept (rows, JSON,
                    // decrypted text) in the older generations; give it back now rather than
                    // carry it until a full collection happens to come.
                    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                }
            }
            finally
            {
                lock (_apply)
                {
                    _touchedDuringReload = null;
                }
            }

            Interlocked.Exchange(ref _loadedThrough, through);
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>Re-reads webhook <paramref name="id"/> and adds, replaces or removes it in the index.</summary>
    public async Task RefreshAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(id) % Stripes];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            var stored = await _store.GetAsync(id, cancellationToken);
            var known = _index.Find(id);
            var indexed = stored is null || IsStale(stored, known) ? null : Indexed(stored, known);
            lock (_apply)
            {
                _touchedDuringReload?.Add(id);
                var current = _index;
                var now = current.Find(id);
                if (stored is null)
                {
                    _index = current.Without(id);
                }
                else if (!IsStale(stored, now))
                {
                    _index = current.With(indexed is not null && ReferenceEquals(now, known) ? indexed : Indexed(stored, now));
                }
            }
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <summary>A read older than, or the same as, what is indexed changes nothing.</summary>
    private static bool IsStale(Webhook stored, IndexedWebhook? indexed) =>
        indexed is not null && stored.Version <= indexed.Webhook.Version;

    /// <summary>Reuses the compiled filter when the query text did not change.</summary>
    private IndexedWebhook Indexed(Webhook webhook, IndexedWebhook? old) =>
        new(Compact(webhook), old is not null && string.Equals(old.Webhook.Query, webhook.Query, StringComparison.Ordinal) ? old.Filter : QueryFilter.For(webhook.Query));

    /// <summary>
    /// The webhook with its repeated values shared: at 100,000 webhooks the copies of the same few
    /// event types, realms and domain ids (and empty header maps) cost tens of MB.
    /// </summary>
    private Webhook Compact(Webhook webhook)
    {
        var eventType = Shared(webhook.EventType)!;
        var domain = Shared(webhook.DomainId);
        var realm = Shared(webhook.Realm);
        var operation = Shared(webhook.Operation);
        var ordering = Shared(webhook.Ordering)!;
        var headers = webhook.Headers.Count == 0 ? NoHeaders : webhook.Headers;
        return ReferenceEquals(eventType, webhook.EventType) && ReferenceEquals(domain, webhook.DomainId) && ReferenceEquals(realm, webhook.Realm)
            && ReferenceEquals(operation, webhook.Operation) && ReferenceEquals(ordering, webhook.Ordering) && ReferenceEquals(headers, webhook.Headers)
            ? webhook
            : webhook with { EventType = eventType, DomainId = domain, Realm = realm, Operation = operation, Ordering = ordering, Headers = headers };
    }

    private string? Shared(string? value) => value is null ? null : _strings.GetOrAdd(value, value);
}
