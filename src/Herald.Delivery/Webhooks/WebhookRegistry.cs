using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Webhooks;

/// <summary>
/// The live set of webhooks, as a <see cref="WebhookIndex"/> snapshot that readers use without locks.
/// Every webhook change notice from the store (<see cref="IStoreChanges"/>, whoever wrote) reloads
/// it; queries are compiled once per definition, not per event.
/// </summary>
public sealed class WebhookRegistry
{
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly IWebhookStore _store;
    private volatile WebhookIndex _index = WebhookIndex.Empty;
    private long _requested;
    private long _loadedThrough;

    public WebhookRegistry(IWebhookStore store, IStoreChanges? changes = null)
    {
        _store = store;
        changes?.Subscribe(StoreChangeKind.Webhooks, (_, ct) => new ValueTask(RefreshAsync(ct)));
    }

    public WebhookIndex Current => _index;

    /// <summary>
    /// Reloads every webhook. Requests that arrive while a reload waits or runs coalesce: a request
    /// is served by any reload that started after it was made.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var ticket = Interlocked.Increment(ref _requested);
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            if (Interlocked.Read(ref _loadedThrough) >= ticket)
            {
                return;
            }

            var through = Interlocked.Read(ref _requested);
            var previous = _index;
            var all = await _store.LoadAllAsync(cancellationToken);
            var indexed = new List<IndexedWebhook>(all.Count);
            foreach (var webhook in all)
            {
                // Reuse the compiled filter when the query text did not change.
                var filter = previous.Find(webhook.Id) is { } old && string.Equals(old.Webhook.Query, webhook.Query, StringComparison.Ordinal)
                    ? old.Filter
                    : QueryFilter.For(webhook.Query);
                indexed.Add(new IndexedWebhook(webhook, filter));
            }

            _index = new WebhookIndex(indexed);
            Interlocked.Exchange(ref _loadedThrough, through);
        }
        finally
        {
            _refreshLock.Release();
        }
    }
}
