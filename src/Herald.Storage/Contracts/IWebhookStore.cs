using Herald.Core.Webhooks;

namespace Herald.Storage;

public enum WebhookUpdateOutcome
{
    Updated,
    NotFound,

    /// <summary>The stored version is not the expected one: someone wrote the webhook since it was read.</summary>
    Conflict,
}

/// <summary>What <see cref="IWebhookStore.UpdateAsync"/> did; <see cref="Webhook"/> is the stored webhook when updated.</summary>
public sealed record WebhookUpdate(WebhookUpdateOutcome Outcome, Webhook? Webhook)
{
    public static WebhookUpdate NotFound { get; } = new(WebhookUpdateOutcome.NotFound, null);

    public static WebhookUpdate Conflict { get; } = new(WebhookUpdateOutcome.Conflict, null);
}

/// <summary>A read-change-write that still conflicted after its tries.</summary>
public sealed class WebhookConflictException(string id, int tries)
    : Exception($"webhook {id} was changed concurrently {tries} times in a row; try again")
{
    public string WebhookId { get; } = id;
}

public interface IWebhookStore
{
    Task<IReadOnlyList<Webhook>> LoadAllAsync(CancellationToken cancellationToken);

    Task<Webhook?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Lists webhooks by creation order; <paramref name="domainId"/> null lists every domain.</summary>
    Task<Page<Webhook>> ListAsync(string? domainId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> webhooks by creation order, skipping the first
    /// <paramref name="offset"/> (numbered pages: iconik's <c>page</c>/<c>per_page</c>);
    /// <paramref name="domainId"/> null lists every domain. Served from the (domain, id) order, so a
    /// page costs its offset in index steps, never a read of every webhook.
    /// </summary>
    Task<IReadOnlyList<Webhook>> ListAtAsync(string? domainId, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>How many webhooks <paramref name="domainId"/> has (null: every domain); an index count, not a read of the rows.</summary>
    Task<int> CountAsync(string? domainId, CancellationToken cancellationToken);

    Task InsertAsync(Webhook webhook, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts unless the webhook's domain already has <paramref name="maxPerDomain"/> webhooks
    /// (0: no limit; a webhook without a domain is never limited); false when it does. The count
    /// and the insert are one step of the writer, so concurrent creates cannot overshoot.
    /// </summary>
    Task<bool> InsertAsync(Webhook webhook, int maxPerDomain, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="updated"/> (its <see cref="Webhook.Id"/> names the row) only if the
    /// stored webhook is still at <paramref name="expectedVersion"/> (optimistic concurrency): a
    /// concurrent edit or a status change an attempt made meanwhile is never overwritten by a
    /// stale copy; the caller reads again, re-applies its change and tries again, or reports the
    /// conflict. On success the stored version is bumped and the written webhook (with its new
    /// <see cref="Webhook.Version"/>) returned. Validation happens in the caller, before the call.
    /// Changing the status holds (or releases) the webhook's pending deliveries in the same write.
    /// </summary>
    Task<WebhookUpdate> UpdateAsync(Webhook updated, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the webhook and cancels its pending deliveries.</summary>
    Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);
}

public static class WebhookStoreExtensions
{
    /// <summary>How often <see cref="EditAsync"/> reads, changes and writes before it reports the conflict.</summary>
    public const int DefaultTries = 5;

    /// <summary>How many conflicts caused by attempts alone <see cref="EditAsync"/> absorbs, on top of its tries.</summary>
    public const int AttemptConflicts = 50;

    /// <summary>
    /// Reads the webhook, applies <paramref name="change"/> to it (outside any transaction: the
    /// caller's validation and compilation run here) and writes the result with the version it
    /// read; on a conflict reads and applies again. A conflict where only what attempts write
    /// moved (status, failure time, last error — <see cref="Webhook.DateModified"/> unchanged,
    /// which every edit sets) is always tried again, up to <see cref="AttemptConflicts"/> times: a
    /// user's edit does not fail because a delivery failed meanwhile. A conflict with another
    /// edit counts against <paramref name="tries"/>; when they are used up the answer is
    /// <see cref="WebhookUpdate.Conflict"/>. <paramref name="change"/> returning null aborts
    /// (answered as <see cref="WebhookUpdateOutcome.NotFound"/> with no write); it may run more
    /// than once, each time on a fresher copy.
    /// </summary>
    public static async Task<WebhookUpdate> EditAsync(
        this IWebhookStore store, string id, Func<Webhook, Webhook?> change, CancellationToken cancellationToken, int tries = DefaultTries)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(change);
        Webhook? previous = null;
        var editConflicts = 0;
        var attemptConflicts = 0;
        while (true)
        {
            if (await store.GetAsync(id, cancellationToken) is not { } current)
            {
                return WebhookUpdate.NotFound;
            }

            if (previous is not null)
            {
                // The last write conflicted: with an attempt's health write, or with another edit.
                var byAttempt = current.DateModified == previous.DateModified;
                if (byAttempt ? ++attemptConflicts > AttemptConflicts : ++editConflicts >= tries)
                {
                    return WebhookUpdate.Conflict;
                }
            }

            if (change(current) is not { } updated)
            {
                return WebhookUpdate.NotFound;
            }

            var result = await store.UpdateAsync(updated with { Id = id }, current.Version, cancellationToken);
            if (result.Outcome != WebhookUpdateOutcome.Conflict)
            {
                return result;
            }

            previous = current;
        }
    }

    /// <summary>
    /// <see cref="EditAsync"/> for callers that only want the result: the updated webhook, or null
    /// when it does not exist or <paramref name="change"/> aborted; throws
    /// <see cref="WebhookConflictException"/> when every try conflicted.
    /// </summary>
    public static async Task<Webhook?> UpdateAsync(this IWebhookStore store, string id, Func<Webhook, Webhook?> change, CancellationToken cancellationToken)
    {
        var result = await store.EditAsync(id, change, cancellationToken);
        return result.Outcome == WebhookUpdateOutcome.Conflict ? throw new WebhookConflictException(id, DefaultTries) : result.Webhook;
    }
}
