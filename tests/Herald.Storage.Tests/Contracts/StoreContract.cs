using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// The base of every contract class: a fresh set of stores per test from <typeparamref name="TProvider"/>,
/// and data helpers that go only through the store contracts, so any provider can run the suite.
/// Ids minted by <see cref="IdAt"/> are UUIDv7 from the given time, as the server mints them
/// (replay and retention may rely on that order).
/// </summary>
public abstract class StoreContract<TProvider> : IAsyncLifetime
    where TProvider : IStoreProvider, new()
{
    public static readonly DateTimeOffset T0 = TestData.T0;

    protected static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    protected static readonly TimeSpan DisableAfter = TimeSpan.FromHours(5);
    protected static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Far enough ahead that nothing due then is claimed by a test by accident.</summary>
    protected static readonly DateTimeOffset Later = T0.AddYears(5);

    private IStoreSet? _stores;

    /// <summary>The lease of each delivery's latest claim through <see cref="Claim"/> or <see cref="ClaimWith"/>, until a completion uses it.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _leases = new(StringComparer.Ordinal);

    protected IStoreSet Stores => _stores ?? throw new InvalidOperationException("The stores are created in InitializeAsync.");

    protected IWebhookStore Webhooks => Stores.Webhooks;

    protected IEventStore Events => Stores.Events;

    protected IDeliveryStore Deliveries => Stores.Deliveries;

    protected IApiKeyStore ApiKeys => Stores.ApiKeys;

    protected IReplayStore Replays => Stores.Replays;

    protected IDeliveryRecoveryStore Recovery => Stores.Recovery;

    protected IRetentionStore Retention => Stores.Retention;

    public async Task InitializeAsync()
    {
        _stores = await new TProvider().CreateAsync();
        await SeedAsync();
    }

    public async Task DisposeAsync()
    {
        if (_stores is not null)
        {
            await _stores.DisposeAsync();
        }
    }

    /// <summary>Data every test of the class starts with.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    protected static string IdAt(DateTimeOffset at) => Guid.CreateVersion7(at).ToString();

    protected static Webhook NewWebhook(string id, WebhookStatus status = WebhookStatus.Enabled, string? domainId = null) => TestData.NewWebhook(id, status, domainId);

    protected static StoredEvent NewEvent(
        string id, string? objectId = "obj-1", string? domainId = null, string? realm = "metadata", string eventType = "assets", DateTimeOffset? receivedAt = null)
    {
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"event_type":"{{{eventType}}}","realm":"{{{realm}}}","operation":"update","object_id":"{{{objectId}}}","data":{"id":"{{{id}}}"}}""");
        return new StoredEvent(id, new PublishedEvent(eventType, "update", realm, objectId, domainId, null, body), receivedAt ?? T0);
    }

    protected static NewDelivery NewDelivery(string id, string webhookId, string eventId, DateTimeOffset due, string? objectId = "obj-1", string? domainId = null) =>
        new(id, webhookId, eventId, objectId, domainId, due);

    protected Task InsertWebhookAsync(string id, WebhookStatus status = WebhookStatus.Enabled, string? domainId = null) =>
        Webhooks.InsertAsync(NewWebhook(id, status, domainId), None);

    protected Task<Webhook?> SetWebhookStatusAsync(string id, WebhookStatus status) =>
        Webhooks.UpdateAsync(id, w => w with { Status = status }, None);

    /// <summary>Stores one event with one delivery per webhook (id <c>{eventId}-{webhookId}</c>), each due at <paramref name="due"/>.</summary>
    protected Task<IngestResult> PublishAsync(string eventId, DateTimeOffset due, string? objectId = "obj-1", string? domainId = null, params string[] webhookIds)
    {
        var deliveries = webhookIds.Select(w => NewDelivery($"{eventId}-{w}", w, eventId, due, objectId, domainId)).ToList();
        return Events.IngestAsync(new IngestBatch([NewEvent(eventId, objectId, domainId)], deliveries, null, null, T0), None);
    }

    /// <summary>
    /// Stores one event received at <paramref name="at"/> with time-ordered ids and one delivery per
    /// webhook, created at <paramref name="at"/> and due at <paramref name="due"/> (default <see cref="Later"/>).
    /// </summary>
    protected async Task<(string EventId, string[] DeliveryIds)> PublishAtAsync(
        DateTimeOffset at, string[] webhookIds, string eventType = "assets", string? objectId = "obj-1", string? idempotencyKey = null,
        string? domainId = null, DateTimeOffset? due = null)
    {
        var eventId = IdAt(at);
        var deliveries = webhookIds.Select(w => new NewDelivery(IdAt(at), w, eventId, objectId, domainId, due ?? Later)).ToList();
        await Events.IngestAsync(
            new IngestBatch([NewEvent(eventId, objectId, domainId, null, eventType, at)], deliveries, idempotencyKey is null ? null : "scope", idempotencyKey, at),
            None);
        return (eventId, deliveries.Select(d => d.Id).ToArray());
    }

    protected async Task<ClaimResult> Claim(DateTimeOffset now, string owner = "node-a", int max = 100) =>
        Remember(await Deliveries.ClaimDueAsync(owner, now, Lease, max, None));

    protected async Task<ClaimResult> ClaimWith(DateTimeOffset now, Dictionary<string, int> capacity, int defaultCapacity, int max = 100, string owner = "node-a", IReadOnlySet<int>? partitions = null) =>
        Remember(await Deliveries.ClaimDueAsync(new ClaimRequest(owner, now, Lease, max, capacity, defaultCapacity, partitions), None));

    private ClaimResult Remember(ClaimResult claimed)
    {
        foreach (var delivery in claimed)
        {
            _leases[delivery.Id] = delivery.LeaseUntil;
        }

        return claimed;
    }

    /// <summary>The next due time after <paramref name="after"/>, as a claim of nothing at that time reports it.</summary>
    protected async Task<DateTimeOffset?> NextDueAfterAsync(DateTimeOffset after) =>
        (await Deliveries.ClaimDueAsync("probe", after, Lease, 0, None)).NextDueAfter;

    /// <summary>
    /// Completes as a dispatcher does: a record that names no lease carries the one its delivery's
    /// latest claim through <see cref="Claim"/> got (once: a completion ends the lease), so tests
    /// that claim and complete need not thread leases; a record naming its lease keeps it.
    /// </summary>
    protected Task<CompletionResult> CompleteAsync(DateTimeOffset now, params AttemptRecord[] attempts) =>
        Deliveries.CompleteAsync(
            attempts.Select(a => _leases.TryRemove(a.DeliveryId, out var lease) && a.LeaseUntil is null ? a with { LeaseUntil = lease } : a).ToList(),
            now,
            DisableAfter,
            None);

    protected static AttemptRecord Succeeded(string deliveryId, int number, DateTimeOffset started, string webhookId = "w1", string? body = "ok") =>
        new(deliveryId, webhookId, number, started, 200, 40, null, body, true, null);

    protected static AttemptRecord Failed(
        string deliveryId, int number, DateTimeOffset started, int? status, DateTimeOffset? next, string webhookId = "w1", string? error = null, string? body = null, double duration = 40) =>
        new(deliveryId, webhookId, number, started, status, duration, error ?? $"HTTP {status}", body, false, next);

    protected async Task<DeliveryView> GetAsync(string id) =>
        await Deliveries.GetAsync(id, null, None) ?? throw new InvalidOperationException($"delivery {id} not found");

    protected async Task<DeliveryStatus> StatusOf(string id) => (await GetAsync(id)).Status;

    protected async Task<Webhook> GetWebhookAsync(string id) =>
        await Webhooks.GetAsync(id, None) ?? throw new InvalidOperationException($"webhook {id} not found");

    /// <summary>Every delivery the filter matches, newest id first, following the cursors to the end.</summary>
    protected async Task<List<DeliveryView>> ListAllAsync(string? domainId = null, string? webhookId = null, DeliveryStatus? status = null, string? objectId = null)
    {
        var all = new List<DeliveryView>();
        string? cursor = null;
        do
        {
            var page = await Deliveries.ListAsync(new DeliveryFilter(domainId, webhookId, status, objectId, new PageRequest(PageRequest.MaxLimit, cursor)), None);
            all.AddRange(page.Objects);
            cursor = page.Next;
        }
        while (cursor is not null);

        return all;
    }

    protected async Task<List<string>> DeliveryIdsAsync(string? domainId = null, string? webhookId = null, DeliveryStatus? status = null, string? objectId = null) =>
        (await ListAllAsync(domainId, webhookId, status, objectId)).Select(d => d.Id).ToList();

    /// <summary>The stored events of <paramref name="eventType"/> received in [since, until), read as a replay reads them.</summary>
    protected async Task<List<StoredEvent>> EventsAsync(DateTimeOffset since, DateTimeOffset until, string eventType = "assets")
    {
        var job = new ReplayJob(IdAt(until), "probe", null, since, until, false, ReplayJobStatus.Running, null, 0, 0, until, until);
        var events = new List<StoredEvent>();
        while (true)
        {
            var chunk = await Replays.ReadEventsAsync(job, eventType, 100, None);
            events.AddRange(chunk);
            if (chunk.Count < 100)
            {
                return events;
            }

            job = job with { Cursor = chunk[^1].Id };
        }
    }

    /// <summary>
    /// Moves one pending delivery (due later than <paramref name="at"/>, like those of
    /// <see cref="PublishAtAsync"/>) to <paramref name="status"/> as of <paramref name="at"/> the way
    /// the server does: a cancel, or a retry that makes only it due, a claim and one attempt.
    /// </summary>
    protected async Task DriveAsync(string deliveryId, DeliveryStatus status, DateTimeOffset at)
    {
        if (status == DeliveryStatus.Cancelled)
        {
            Assert.Equal(CancelOutcome.Cancelled, await Recovery.CancelAsync(deliveryId, null, at, None));
            return;
        }

        Assert.NotNull(await Deliveries.RetryAsync(deliveryId, null, at, None));
        var claimed = Assert.Single(await Deliveries.ClaimDueAsync("driver", at, Lease, 1000, None));
        Assert.Equal(deliveryId, claimed.Id);
        var number = claimed.AttemptCount + 1;
        var attempt = status switch
        {
            DeliveryStatus.Succeeded => Succeeded(deliveryId, number, at, claimed.WebhookId),
            DeliveryStatus.Failed => Failed(deliveryId, number, at, 500, next: null, claimed.WebhookId),
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };

        // A long disable period: driving rows through failures must not disable their webhook.
        await Deliveries.CompleteAsync([attempt with { LeaseUntil = claimed.LeaseUntil }], at, TimeSpan.FromDays(3650), None);
    }
}
