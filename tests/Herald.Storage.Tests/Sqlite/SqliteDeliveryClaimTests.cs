using System.Text;
using Herald.Core.Webhooks;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteDeliveryClaimTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private readonly SqliteTestDatabase _db = new();

    public async Task InitializeAsync()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.InsertWebhookAsync("w2");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task ClaimDueAsync_DueDelivery_ReturnsItWithEventBodyAndName()
    {
        var stored = NewEvent("e1", objectId: "o1");
        await _db.Events.IngestAsync(new IngestBatch([stored], [NewDelivery("d1", "w1", "e1", T0, "o1")], null, null, T0), CancellationToken.None);

        var claimed = Assert.Single(await Claim(T0));

        Assert.Equal(("d1", "w1", "e1", "o1", 0, "assets.metadata.update"), (claimed.Id, claimed.WebhookId, claimed.EventId, claimed.ObjectId, claimed.AttemptCount, claimed.EventName));
        Assert.Equal(stored.Event.Body.ToArray(), claimed.Body.ToArray());
        Assert.Contains("\"id\":\"e1\"", Encoding.UTF8.GetString(claimed.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClaimDueAsync_EventWithoutRealm_NameHasTwoParts()
    {
        var stored = NewEvent("e1") with { Event = NewEvent("e1").Event with { Realm = null } };
        await _db.Events.IngestAsync(new IngestBatch([stored], [NewDelivery("d1", "w1", "e1", T0)], null, null, T0), CancellationToken.None);

        Assert.Equal("assets.update", Assert.Single(await Claim(T0)).EventName);
    }

    [Fact]
    public async Task ClaimDueAsync_NotDueYet_ReturnsNothingUntilDue()
    {
        await _db.PublishAsync("e1", T0.AddSeconds(30), webhookIds: "w1");

        Assert.Empty(await Claim(T0));
        Assert.Empty(await Claim(T0.AddSeconds(30).AddMilliseconds(-1)));
        Assert.Single(await Claim(T0.AddSeconds(30)));
    }

    [Fact]
    public async Task ClaimDueAsync_WhileLeased_NotReturnedAgain()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        Assert.Single(await Claim(T0, owner: "node-a"));

        Assert.Empty(await Claim(T0, owner: "node-b"));
        Assert.Empty(await Claim(T0 + Lease - TimeSpan.FromMilliseconds(1), owner: "node-b"));
    }

    [Fact]
    public async Task ClaimDueAsync_LeaseExpired_ReturnedAgain()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        Assert.Single(await Claim(T0, owner: "node-a"));

        var again = Assert.Single(await Claim(T0 + Lease, owner: "node-b"));

        Assert.Equal("e1-w1", again.Id);
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries WHERE lease_owner = 'node-b'"));
    }

    [Fact]
    public async Task ClaimDueAsync_MoreDueThanMax_ClaimsTheEarliestFirst()
    {
        await _db.PublishAsync("late", T0.AddSeconds(-1), webhookIds: "w1");
        await _db.PublishAsync("early", T0.AddSeconds(-10), webhookIds: "w1");
        await _db.PublishAsync("middle", T0.AddSeconds(-5), webhookIds: "w1");

        var first = await Claim(T0, max: 2);
        var rest = await Claim(T0, max: 2);

        Assert.Equal(["early-w1", "middle-w1"], first.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["late-w1"], rest.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_SeveralDue_HandedOutEarliestDueFirst()
    {
        await _db.PublishAsync("late", T0.AddSeconds(-1), webhookIds: ["w1", "w2"]);
        await _db.PublishAsync("early", T0.AddSeconds(-10), webhookIds: "w2");
        await _db.PublishAsync("middle", T0.AddSeconds(-5), webhookIds: "w1");

        var claimed = await Claim(T0);

        Assert.Equal(["early-w2", "middle-w1", "late-w1", "late-w2"], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_OneBusyWebhookAmongManyIdle_TakesAsMuchAsTheClaimAllows()
    {
        for (var i = 0; i < 30; i++)
        {
            await _db.InsertWebhookAsync($"idle-{i:D2}");
        }

        for (var i = 0; i < 100; i++)
        {
            await _db.PublishAsync($"e{i:D3}", T0.AddMilliseconds(i - 1000), webhookIds: "w1");
        }

        var claimed = await ClaimWith(T0, new Dictionary<string, int>(), defaultCapacity: 80, max: 64);

        Assert.Equal(64, claimed.Count);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"e{i:D3}-w1"), claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_CapacityZero_LeavesThatWebhookOut()
    {
        await _db.PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w1"] = 0 }, defaultCapacity: 10);

        Assert.Equal(["e1-w2"], claimed.Select(c => c.Id));
        Assert.Equal(["e1-w1"], (await ClaimWith(T0, new Dictionary<string, int>(), defaultCapacity: 10)).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_PerWebhookCapacity_TakesAtMostThatManyEarliestFirst()
    {
        for (var i = 0; i < 5; i++)
        {
            await _db.PublishAsync($"e{i}", T0.AddSeconds(i - 10), webhookIds: ["w1", "w2"]);
        }

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w1"] = 2 }, defaultCapacity: 3);

        Assert.Equal(["e0-w1", "e1-w1"], claimed.Where(c => c.WebhookId == "w1").Select(c => c.Id));
        Assert.Equal(["e0-w2", "e1-w2", "e2-w2"], claimed.Where(c => c.WebhookId == "w2").Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_DefaultCapacityZero_OnlyListedWebhooks()
    {
        await _db.PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w2"] = 5 }, defaultCapacity: 0);

        Assert.Equal(["e1-w2"], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_ListedWebhookPaused_NotClaimed()
    {
        await _db.PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        await SetStatus("w1", WebhookStatus.Paused);

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w1"] = 5, ["w2"] = 5 }, defaultCapacity: 0);

        Assert.Equal(["e1-w2"], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_FannedOutEvent_EveryDeliveryCarriesTheBody()
    {
        var stored = NewEvent("e1");
        await _db.Events.IngestAsync(new IngestBatch([stored], [NewDelivery("e1-w1", "w1", "e1", T0), NewDelivery("e1-w2", "w2", "e1", T0)], null, null, T0), CancellationToken.None);

        var claimed = await Claim(T0);

        Assert.Equal(2, claimed.Count);
        Assert.All(claimed, c => Assert.Equal(stored.Event.Body.ToArray(), c.Body.ToArray()));
    }

    [Fact]
    public async Task ClaimDueAsync_SomeDueLater_ReportsTheNextDueTime()
    {
        await _db.PublishAsync("now", T0, webhookIds: "w1");
        await _db.PublishAsync("later", T0.AddSeconds(30), webhookIds: "w1");

        var claimed = await Claim(T0);

        Assert.Equal(["now-w1"], claimed.Select(c => c.Id));
        Assert.Equal(T0.AddSeconds(30), claimed.NextDueAfter);
    }

    [Fact]
    public async Task ClaimDueAsync_ConcurrentClaimers_EachDeliveryClaimedOnce()
    {
        for (var i = 0; i < 40; i++)
        {
            await _db.PublishAsync($"e{i:D2}", T0, webhookIds: "w1");
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Claim(T0, owner: $"node-{n}", max: 7)));

        var ids = claims.SelectMany(c => c).Select(c => c.Id).ToList();
        Assert.Equal(40, ids.Count);
        Assert.Equal(40, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task ClaimDueAsync_PausedWebhook_HoldsItsDeliveriesUntilResumed()
    {
        await _db.PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        await SetStatus("w1", WebhookStatus.Paused);

        Assert.Equal(["e1-w2"], (await Claim(T0)).Select(c => c.Id));
        Assert.DoesNotContain("e1-w1", (await Claim(T0.AddHours(1))).Select(c => c.Id));

        await SetStatus("w1", WebhookStatus.Enabled);

        Assert.Equal(["e1-w1"], (await Claim(T0.AddHours(1))).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_PublishedWhilePaused_ClaimedAfterResuming()
    {
        await SetStatus("w1", WebhookStatus.Paused);
        await _db.PublishAsync("e1", T0, webhookIds: "w1");

        Assert.Empty(await Claim(T0));

        await SetStatus("w1", WebhookStatus.Enabled);

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task ClaimDueAsync_DisabledThenReEnabled_HeldDeliveriesBecomeClaimable()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        await SetStatus("w1", WebhookStatus.Disabled);
        Assert.Empty(await Claim(T0));

        await SetStatus("w1", WebhookStatus.Enabled);

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task ClaimDueAsync_FailingWebhook_StillSends()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");

        await SetStatus("w1", WebhookStatus.Failing);

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task ClaimDueAsync_Leased_DueAgainWhenTheLeaseRunsOut()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");

        var claimed = Assert.Single(await Claim(T0));

        Assert.Equal(T0 + Lease, claimed.LeaseUntil);
        var view = await _db.Deliveries.GetAsync("e1-w1", null, CancellationToken.None);
        Assert.Null(view!.NextAttemptAt);
        Assert.Equal(T0 + Lease, await _db.NextDueAfterAsync(T0));
        Assert.Equal("e1-w1", Assert.Single(await Claim(T0 + Lease, owner: "node-b")).Id);
    }

    [Fact]
    public async Task ReleaseAsync_Released_DueAtTheReleaseTime()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0);

        await _db.Deliveries.ReleaseAsync("node-a", claimed, T0.AddSeconds(3), CancellationToken.None);

        var view = await _db.Deliveries.GetAsync("e1-w1", null, CancellationToken.None);
        Assert.Equal(T0.AddSeconds(3), view!.NextAttemptAt);
        Assert.Empty(await Claim(T0.AddSeconds(2)));
        Assert.Single(await Claim(T0.AddSeconds(3)));
    }

    [Fact]
    public async Task ReleaseAsync_OwnLease_MakesDeliveryDueAtOnce()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0, owner: "node-a");

        await _db.Deliveries.ReleaseAsync("node-a", claimed, T0, CancellationToken.None);

        Assert.Single(await Claim(T0, owner: "node-b"));
    }

    [Fact]
    public async Task ReleaseAsync_SomeoneElsesLease_LeavesItLeased()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0, owner: "node-a");

        await _db.Deliveries.ReleaseAsync("node-b", claimed, T0, CancellationToken.None);

        Assert.Empty(await Claim(T0, owner: "node-c"));
    }

    [Fact]
    public async Task ReleaseAsync_ClaimedAgainSinceItsLeaseRanOut_KeepsTheNewerLease()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        var stale = await Claim(T0, owner: "node-a");
        Assert.Single(await Claim(T0 + Lease, owner: "node-a"));

        await _db.Deliveries.ReleaseAsync("node-a", stale, T0 + Lease, CancellationToken.None);

        Assert.Empty(await Claim(T0 + Lease, owner: "node-b"));
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedLaterOneInFlightThenEarlierRetried_EarlierWaitsForIt()
    {
        await _db.Webhooks.UpdateAsync("w1", w => w with { Ordering = WebhookOrdering.Object }, CancellationToken.None);
        await _db.Events.IngestAsync(
            new IngestBatch([NewEvent("e1", objectId: "o1"), NewEvent("e2", objectId: "o1")], [Ordered("e1-w1", "e1"), Ordered("e2-w1", "e2")], null, null, T0),
            CancellationToken.None);
        Assert.Equal(["e1-w1"], (await Claim(T0)).Select(c => c.Id));
        await _db.Deliveries.CompleteAsync([new AttemptRecord("e1-w1", "w1", 1, T0, 500, 1, "HTTP 500", null, false, null)], T0, TimeSpan.FromHours(5), CancellationToken.None);
        Assert.Equal(["e2-w1"], (await Claim(T0)).Select(c => c.Id));

        await _db.Deliveries.RetryAsync("e1-w1", null, T0, CancellationToken.None);

        Assert.Empty(await Claim(T0));
        await _db.Deliveries.CompleteAsync([new AttemptRecord("e2-w1", "w1", 1, T0, 200, 1, null, null, true, null)], T0, TimeSpan.FromHours(5), CancellationToken.None);
        Assert.Equal(["e1-w1"], (await Claim(T0)).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_NoPendingDeliveries_Null()
    {
        Assert.Null(await _db.NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_PendingDeliveries_EarliestDueTime()
    {
        await _db.PublishAsync("e1", T0.AddMinutes(5), webhookIds: "w1");
        await _db.PublishAsync("e2", T0.AddMinutes(2), webhookIds: "w1");
        await _db.PublishAsync("e3", T0.AddMinutes(9), webhookIds: "w2");

        Assert.Equal(T0.AddMinutes(2), await _db.NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_PendingDeliveries_EarliestStrictlyAfterTheGivenTime()
    {
        await _db.PublishAsync("e1", T0.AddMinutes(5), webhookIds: "w1");
        await _db.PublishAsync("e2", T0.AddMinutes(2), webhookIds: "w1");
        await _db.PublishAsync("e3", T0.AddMinutes(9), webhookIds: "w2");

        Assert.Equal(T0.AddMinutes(2), await _db.NextDueAfterAsync(T0));
        Assert.Equal(T0.AddMinutes(5), await _db.NextDueAfterAsync(T0.AddMinutes(2)));
        Assert.Null(await _db.NextDueAfterAsync(T0.AddMinutes(9)));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_OnlyHeldDeliveries_Null()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");

        await SetStatus("w1", WebhookStatus.Paused);

        Assert.Null(await _db.NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    private static NewDelivery Ordered(string id, string eventId) => NewDelivery(id, "w1", eventId, T0, "o1") with { Ordered = true };

    private Task<ClaimResult> ClaimWith(DateTimeOffset now, Dictionary<string, int> capacity, int defaultCapacity, int max = 100) =>
        _db.Deliveries.ClaimDueAsync(new ClaimRequest("node-a", now, Lease, max, capacity, defaultCapacity), CancellationToken.None);

    private Task<ClaimResult> Claim(DateTimeOffset now, string owner = "node-a", int max = 100) =>
        _db.Deliveries.ClaimDueAsync(owner, now, Lease, max, CancellationToken.None);

    private Task SetStatus(string webhookId, WebhookStatus status) =>
        _db.Webhooks.UpdateAsync(webhookId, w => w with { Status = status }, CancellationToken.None);
}
