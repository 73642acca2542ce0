using System.Collections.Concurrent;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Change notices: <see cref="IStoreChanges"/>. Every write that changes webhooks, keys or due work
/// raises the matching kind, after its commit (a handler reading the store sees the change), before
/// the write returns on the node that wrote. Handlers must tolerate extra notices, so the cases
/// assert what must arrive, and only where the contract promises it, what must not.
/// </summary>
public abstract class StoreChangesContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    private readonly ConcurrentQueue<StoreChange> _webhooks = new();
    private readonly ConcurrentQueue<StoreChange> _keys = new();
    private readonly ConcurrentQueue<StoreChange> _due = new();

    protected override Task SeedAsync()
    {
        Stores.Changes.Subscribe(StoreChangeKind.Webhooks, Record(_webhooks));
        Stores.Changes.Subscribe(StoreChangeKind.ApiKeys, Record(_keys));
        Stores.Changes.Subscribe(StoreChangeKind.DueWork, Record(_due));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task WebhookInsert_RaisesWebhookChangeAfterCommit()
    {
        Webhook? seen = null;
        using var _ = Stores.Changes.Subscribe(StoreChangeKind.Webhooks, async (change, ct) => seen = await Webhooks.GetAsync("w1", ct));

        await InsertWebhookAsync("w1");

        Assert.Contains(new StoreChange(StoreChangeKind.Webhooks, "w1"), _webhooks);
        Assert.Equal("w1", seen?.Id);
        Assert.Empty(_keys);
    }

    [Fact]
    public async Task WebhookUpdate_RaisesWebhookChangeSeeingTheNewVersion()
    {
        await InsertWebhookAsync("w1");
        WebhookStatus? seen = null;
        using var _ = Stores.Changes.Subscribe(StoreChangeKind.Webhooks, async (change, ct) => seen = (await Webhooks.GetAsync("w1", ct))?.Status);

        await SetWebhookStatusAsync("w1", WebhookStatus.Disabled);

        Assert.Equal(2, _webhooks.Count(c => c is { Kind: StoreChangeKind.Webhooks, Id: "w1" or null }));
        Assert.Equal(WebhookStatus.Disabled, seen);
    }

    [Fact]
    public async Task WebhookDelete_RaisesWebhookChangeAfterTheRowIsGone()
    {
        await InsertWebhookAsync("w1");
        var goneWhenNotified = false;
        using var _ = Stores.Changes.Subscribe(StoreChangeKind.Webhooks, async (change, ct) => goneWhenNotified = await Webhooks.GetAsync("w1", ct) is null);

        Assert.True(await Webhooks.DeleteAsync("w1", T0, None));

        Assert.True(goneWhenNotified);
    }

    [Fact]
    public async Task ApiKeyInsertAndDelete_RaiseKeyChangesAfterCommit()
    {
        var counts = new List<int>();
        using var _ = Stores.Changes.Subscribe(StoreChangeKind.ApiKeys, async (change, ct) => counts.Add((await ApiKeys.LoadAllAsync(ct)).Count));

        await ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash-1", T0), None);
        Assert.True(await ApiKeys.DeleteAsync("k1", None));

        Assert.Equal([1, 0], counts);
        Assert.Equal(2, _keys.Count(c => c.Id is "k1" or null));
        Assert.Empty(_webhooks);
    }

    [Fact]
    public async Task Ingest_WithDeliveries_RaisesDueWorkThatCanBeClaimed()
    {
        await InsertWebhookAsync("w1");
        var claimable = 0;
        using var _ = Stores.Changes.Subscribe(
            StoreChangeKind.DueWork, async (change, ct) => claimable = (await Deliveries.ClaimDueAsync("probe", T0, Lease, 10, ct)).Count);

        await PublishAsync("e1", T0, webhookIds: "w1");

        Assert.NotEmpty(_due);
        Assert.Equal(1, claimable);
    }

    [Fact]
    public async Task Complete_StatusChange_RaisesWebhookChangeSeeingTheNewStatus()
    {
        await InsertWebhookAsync("w1");
        await PublishAsync("e1", T0, webhookIds: "w1");
        await Claim(T0);
        _webhooks.Clear();
        WebhookStatus? seen = null;
        using var _ = Stores.Changes.Subscribe(StoreChangeKind.Webhooks, async (change, ct) => seen = (await Webhooks.GetAsync("w1", ct))?.Status);

        var changes = await CompleteAsync(T0.AddSeconds(1), Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));

        Assert.NotEmpty(changes);
        Assert.Contains(_webhooks, c => c.Id is "w1" or null);
        Assert.Equal(WebhookStatus.Failing, seen);
    }

    [Fact]
    public async Task Complete_StatusChangesOfSeveralWebhooks_EveryWebhookCovered()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        await Claim(T0);
        _webhooks.Clear();

        await CompleteAsync(T0.AddSeconds(1), Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)), Failed("e1-w2", 1, T0, 500, T0.AddSeconds(5), webhookId: "w2"));

        // A coalesced notice (null id) covers both; otherwise each webhook has its own.
        Assert.True(_webhooks.Any(c => c.Id is null) || (_webhooks.Any(c => c.Id == "w1") && _webhooks.Any(c => c.Id == "w2")));
    }

    [Fact]
    public async Task RetryAndRetryFailed_RaiseDueWork()
    {
        await InsertWebhookAsync("w1");
        await PublishAsync("e1", Later, webhookIds: "w1");
        await PublishAsync("e2", Later, webhookIds: "w1");
        await DriveAsync("e2-w1", DeliveryStatus.Failed, T0);
        _due.Clear();

        Assert.NotNull(await Deliveries.RetryAsync("e1-w1", null, T0, None));
        var afterRetry = _due.Count;
        Assert.Equal(1, await Recovery.RetryFailedAsync("w1", T0, None));

        Assert.True(afterRetry >= 1);
        Assert.True(_due.Count > afterRetry);
    }

    // Which leases RecoverLeasesAsync gives back is the provider's call (SQLite: all of them; a shared
    // PostgreSQL: none), so its notice is checked per provider: SqliteLeaseRecoveryTests,
    // PostgresLeaseRecoveryTests.

    [Fact]
    public async Task ReplayChunkWithDeliveries_RaisesDueWork()
    {
        await InsertWebhookAsync("w1");
        var e = await PublishAtAsync(T0, []);
        var job = new ReplayJob(IdAt(T0.AddMinutes(1)), "w1", null, T0, T0.AddMinutes(1), false, ReplayJobStatus.Running, null, 0, 0, T0, T0);
        await Replays.InsertAsync(job, None);
        _due.Clear();

        await Replays.CommitChunkAsync(
            new ReplayChunk(job.Id, null, e.EventId, 1, [new NewDelivery(IdAt(T0), "w1", e.EventId, null, null, T0)], [], Last: true, T0), None);

        Assert.NotEmpty(_due);
    }

    [Fact]
    public async Task Subscribe_OnlyTheSubscribedKindArrives()
    {
        var other = new ConcurrentQueue<StoreChange>();
        using var _ = Stores.Changes.Subscribe(StoreChangeKind.ApiKeys, Record(other));

        await InsertWebhookAsync("w1");
        await PublishAsync("e1", T0, webhookIds: "w1");

        Assert.Empty(other);
        Assert.All(_webhooks, c => Assert.Equal(StoreChangeKind.Webhooks, c.Kind));
        Assert.All(_due, c => Assert.Equal(StoreChangeKind.DueWork, c.Kind));
    }

    [Fact]
    public async Task Subscription_Disposed_NoMoreNotices()
    {
        var late = new ConcurrentQueue<StoreChange>();
        var subscription = Stores.Changes.Subscribe(StoreChangeKind.Webhooks, Record(late));
        await InsertWebhookAsync("w1");
        subscription.Dispose();

        await InsertWebhookAsync("w2");

        Assert.DoesNotContain(late, c => c.Id == "w2");
        Assert.Contains(_webhooks, c => c.Id is "w2" or null);
    }

    [Fact]
    public async Task HandlerThrows_WriteStillSucceedsAndOtherHandlersRun()
    {
        using var _ = Stores.Changes.Subscribe(StoreChangeKind.Webhooks, (change, ct) => throw new InvalidOperationException("handler bug"));

        await InsertWebhookAsync("w1");

        Assert.Equal("w1", (await GetWebhookAsync("w1")).Id);
        Assert.Contains(_webhooks, c => c.Id is "w1" or null);
    }

    [Fact]
    public async Task RefusedWrite_NothingChanged_NoWebhookNotice()
    {
        await Webhooks.InsertAsync(NewWebhook("w1", domainId: "d"), maxPerDomain: 1, None);
        _webhooks.Clear();

        Assert.False(await Webhooks.InsertAsync(NewWebhook("w2", domainId: "d"), maxPerDomain: 1, None));

        Assert.DoesNotContain(_webhooks, c => c.Id == "w2");
    }

    private static Func<StoreChange, CancellationToken, ValueTask> Record(ConcurrentQueue<StoreChange> into) => (change, _) =>
    {
        into.Enqueue(change);
        return ValueTask.CompletedTask;
    };
}
