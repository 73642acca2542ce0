using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Webhooks;

/// <summary>Compiles a webhook's query into a filter; null query text means no filter.</summary>
public interface IEventFilterCompiler
{
    /// <summary>Compiles <paramref name="query"/>; throws when it is invalid (callers validate first).</summary>
    IEventFilter? Compile(string? query);
}

/// <summary>
/// The live set of webhooks, as a <see cref="WebhookIndex"/> snapshot that readers use without locks.
/// Every change reloads from the store; queries are compiled once per definition, not per event.
/// </summary>
public sealed class WebhookRegistry(IWebhookStore store, IEventFilterCompiler compiler)
{
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile WebhookIndex _index = WebhookIndex.Empty;

    public WebhookIndex Current => _index;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            var previous = _index;
            var all = await store.LoadAllAsync(cancellationToken);
            var indexed = new List<IndexedWebhook>(all.Count);
            foreach (var webhook in all)
            {
                // Reuse the compiled filter when the query text did not change.
                var filter = previous.Find(webhook.Id) is { } old && string.Equals(old.Webhook.Query, webhook.Query, StringComparison.Ordinal)
                    ? old.Filter
                    : compiler.Compile(webhook.Query);
                indexed.Add(new IndexedWebhook(webhook, filter));
            }

            _index = new WebhookIndex(indexed);
        }
        finally
        {
            _refreshLock.Release();
        }
    }
}
