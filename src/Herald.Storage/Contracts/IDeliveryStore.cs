using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage;

/// <summary>
/// What <see cref="IDeliveryStore.CompleteAsync"/> did: the webhooks whose status changed (the
/// items, in order) and the deliveries whose records did not move them on (<see cref="Ignored"/>:
/// no longer pending under the lease the record names — taken by another claim, given back,
/// cancelled or already completed).
/// </summary>
public sealed class CompletionResult(IReadOnlyList<WebhookStatusChange> changes, IReadOnlyList<string> ignored) : IReadOnlyList<WebhookStatusChange>
{
    public static CompletionResult Empty { get; } = new([], []);

    /// <summary>Delivery ids of the records that were not applied, in the order given.</summary>
    public IReadOnlyList<string> Ignored { get; } = ignored;

    public int Count => changes.Count;

    public WebhookStatusChange this[int index] => changes[index];

    public IEnumerator<WebhookStatusChange> GetEnumerator() => changes.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

public sealed record AttemptView(int Number, DateTimeOffset StartedAt, int? StatusCode, double DurationMs, string? Error, string? ResponseBody);

public sealed record DeliveryView(
    string Id,
    string WebhookId,
    string EventId,
    string? ObjectId,
    string? DomainId,
    DeliveryStatus Status,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int? LastStatusCode,
    string? LastError,
    IReadOnlyList<AttemptView>? Attempts);

public sealed record DeliveryFilter(string? DomainId, string? WebhookId, DeliveryStatus? Status, string? ObjectId, PageRequest Page);

/// <summary>
/// What a dispatcher asks for: at most <see cref="Max"/> due deliveries; per webhook at most its
/// entry in <see cref="Capacity"/> (0 leaves it out: a full lane, an open circuit), and for a
/// webhook not listed at most <see cref="DefaultCapacity"/> (0: only the listed webhooks). Deliveries
/// of an ordered webhook are due only when no earlier delivery for the same object is pending.
/// <see cref="Partitions"/>, when set, limits the claim to webhooks whose
/// <see cref="LanePartitions.Of"/> is in it (the partitions this node owns in a cluster); null
/// claims for every webhook.
/// </summary>
public sealed record ClaimRequest(
    string Owner,
    DateTimeOffset Now,
    TimeSpan Lease,
    int Max,
    IReadOnlyDictionary<string, int> Capacity,
    int DefaultCapacity,
    IReadOnlySet<int>? Partitions = null);

/// <summary>
/// The deliveries a claim leased, earliest due first, and <see cref="NextDueAfter"/>: the earliest
/// due time after the claim's <c>Now</c> of a pending, sendable delivery (null when there is none),
/// so an idle dispatcher knows how long to sleep without a second query. A provider may count only
/// the webhooks of the request's <see cref="ClaimRequest.Partitions"/> (PostgreSQL does: a node
/// sleeps until its own work is due); SQLite, always claimed without partitions, counts every one.
/// </summary>
public sealed class ClaimResult(IReadOnlyList<ClaimedDelivery> deliveries, DateTimeOffset? nextDueAfter) : IReadOnlyList<ClaimedDelivery>
{
    public static ClaimResult Empty { get; } = new([], null);

    public DateTimeOffset? NextDueAfter { get; } = nextDueAfter;

    public int Count => deliveries.Count;

    public ClaimedDelivery this[int index] => deliveries[index];

    public IEnumerator<ClaimedDelivery> GetEnumerator() => deliveries.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Deliveries and their attempts. Safe for several writers (dispatchers, API requests, nodes):
/// a claim leases each delivery to one claimer; a completion names its lease and loses to any
/// later claim, release or cancel; an attempt row is written once.
/// <para>
/// One clock: every time passed in (<see cref="ClaimRequest.Now"/>, the <c>now</c> of the other
/// calls) must come from the clock the provider defines, because leases claimed by one caller are
/// compared with the times of another. For SQLite (one process per database) that clock is the
/// process's <see cref="TimeProvider"/>, the one registered in the container, and callers read it;
/// a provider shared by several nodes defines its own (the database server's time) and uses it
/// in place of the times callers pass. Completions never compare times: they match the lease by
/// value, so a skewed clock can delay work but never lets a stale result win.
/// </para>
/// </summary>
public interface IDeliveryStore
{
    /// <summary>Leases due deliveries within the limits of <paramref name="request"/>.</summary>
    Task<ClaimResult> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Records attempts and moves their deliveries on, each only while its delivery is still
    /// pending under the lease the record names (<see cref="AttemptRecord.LeaseUntil"/>); any other
    /// record is ignored whole — no attempt row, no status change, no effect on the webhook — and
    /// listed in <see cref="CompletionResult.Ignored"/>. One exception, also listed there: a
    /// delivery cancelled while that very attempt was in flight (no claim since) stays cancelled
    /// but keeps the attempt in its history, and the attempt counts for the webhook's health. An attempt row is inserted once: a second
    /// record of the same (delivery, number) never replaces the first. Each applied attempt's
    /// effect on its webhook's health is decided by Core's <see cref="WebhookStatusMachine"/> from
    /// the webhook's current stored values and stored as a conditional write on its version (a
    /// concurrent edit is never overwritten, and the webhook's version moves on). Returns the
    /// webhooks whose status changed, in order, each with the delivery whose attempt changed it.
    /// </summary>
    Task<CompletionResult> CompleteAsync(IReadOnlyList<AttemptRecord> attempts, DateTimeOffset now, TimeSpan disableAfter, CancellationToken cancellationToken);

    /// <summary>
    /// Gives leased deliveries back unsent (on shutdown, an opened circuit, a paused webhook) so they
    /// are due at <paramref name="now"/>. Only the lease each was claimed with is given back: a
    /// delivery claimed again since then (its lease ran out) keeps its newer lease.
    /// </summary>
    Task ReleaseAsync(string owner, IReadOnlyList<ClaimedDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Called once when a dispatcher starts, before its first claim: gives back the leases no live
    /// process can hold, so work a crashed process had claimed is due at <paramref name="now"/>
    /// instead of when its lease runs out. A provider decides which those are: SQLite has exactly
    /// one Herald process per database, so every lease it holds at start is stale and all go back;
    /// a store shared by several nodes (PostgreSQL) would leave them to expire. Returns how many
    /// were given back.
    /// </summary>
    Task<int> RecoverLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task<DeliveryView?> GetAsync(string id, string? domainId, CancellationToken cancellationToken);

    Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, CancellationToken cancellationToken);

    /// <summary>Makes a delivery due now again (also a failed or cancelled one). False when not found.</summary>
    Task<DeliveryView?> RetryAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken);
}

public static class DeliveryStoreExtensions
{
    /// <summary>Claims without lane limits: every webhook, up to <paramref name="max"/> each.</summary>
    public static Task<ClaimResult> ClaimDueAsync(this IDeliveryStore store, string owner, DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.ClaimDueAsync(new ClaimRequest(owner, now, lease, max, new Dictionary<string, int>(), max), cancellationToken);
    }
}
