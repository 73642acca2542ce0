using Herald.Core.Webhooks;

namespace Herald.Storage;

public interface IWebhookStore
{
    Task<IReadOnlyList<Webhook>> LoadAllAsync(CancellationToken cancellationToken);

    Task<Webhook?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Lists webhooks by creation order; <paramref name="domainId"/> null lists every domain.</summary>
    Task<Page<Webhook>> ListAsync(string? domainId, PageRequest page, CancellationToken cancellationToken);

    Task<int> CountAsync(string? domainId, CancellationToken cancellationToken);

    Task InsertAsync(Webhook webhook, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts unless the webhook's domain already has <paramref name="maxPerDomain"/> webhooks
    /// (0: no limit; a webhook without a domain is never limited); false when it does. The count
    /// and the insert are one step of the writer, so concurrent creates cannot overshoot.
    /// </summary>
    Task<bool> InsertAsync(Webhook webhook, int maxPerDomain, CancellationToken cancellationToken);

    /// <summary>
    /// Reads, changes and writes one webhook atomically (so a concurrent status change by the
    /// dispatcher is never overwritten by a stale copy). <paramref name="change"/> returning null aborts.
    /// </summary>
    Task<Webhook?> UpdateAsync(string id, Func<Webhook, Webhook?> change, CancellationToken cancellationToken);

    /// <summary>Deletes the webhook and cancels its pending deliveries.</summary>
    Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);
}
