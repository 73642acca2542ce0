using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>What a claim takes: <see cref="IDeliveryStore.ClaimDueAsync"/> with its limits, held webhooks and the next due time.</summary>
public abstract class DeliveryClaimContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
    }

    [Fact]
    public async Task ClaimDueAsync_DueDelivery_ReturnsItWithEventBodyAndName()
    {
        var stored = NewEvent("e1", objectId: "o1");
        await Events.IngestAsync(new IngestBatch([stored], [NewDelivery("d1", "w1", "e1", T0, "o1")], null, null, T0), None);

        var claimed = Assert.Single(await Claim(T0));

        Assert.Equal(("d1", "w1", "e1", "o1", 0, "assets.metadata.update"), (claimed.Id, claimed.WebhookId, claimed.EventId, claimed.ObjectId, claimed.AttemptCount, claimed.EventName));
        Assert.Equal(stored.Event.Body.ToArray(), claimed.Body.ToArray());
        Assert.Contains("\"id\":\"e1\"", Encoding.UTF8.GetString(claimed.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClaimDueAsync_EventWithoutRealm_NameHasTwoParts()
    {
        var stored = NewEvent("e1", realm: null);
        await Events.IngestAsync(new IngestBatch([stored], [NewDelivery("d1", "w1", "e1", T0)], null, null, T0), None);

        Assert.Equal("assets.update", Assert.Single(await Claim(T0)).EventName);
    }

    [Fact]
    public async Task ClaimDueAsync_EventWithoutObjectId_ClaimedWithNullObjectId()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent("e1", objectId: null)], [NewDelivery("d1", "w1", "e1", T0, objectId: null)], null, null, T0), None);

        Assert.Null(Assert.Single(await Claim(T0)).ObjectId);
    }

    [Fact]
    public async Task ClaimDueAsync_Nothing_EmptyWithoutNextDueTime()
    {
        var claimed = await Claim(T0);

        Assert.Empty(claimed);
        Assert.Null(claimed.NextDueAfter);
    }

    [Fact]
    public async Task ClaimDueAsync_NotDueYet_ReturnsNothingUntilDue()
    {
        await PublishAsync("e1", T0.AddSeconds(30), webhookIds: "w1");

        Assert.Empty(await Claim(T0));
        Assert.Empty(await Claim(T0.AddSeconds(30).AddMilliseconds(-1)));
        Assert.Single(await Claim(T0.AddSeconds(30)));
    }

    [Fact]
    public async Task ClaimDueAsync_LongOverdue_Claimed()
    {
        await PublishAsync("e1", T0.AddDays(-30), webhookIds: "w1");

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task ClaimDueAsync_MoreDueThanMax_ClaimsTheEarliestFirst()
    {
        await PublishAsync("late", T0.AddSeconds(-1), webhookIds: "w1");
        await PublishAsync("early", T0.AddSeconds(-10), webhookIds: "w1");
        await PublishAsync("middle", T0.AddSeconds(-5), webhookIds: "w1");

        var first = await Claim(T0, max: 2);
        var rest = await Claim(T0, max: 2);

        Assert.Equal(["early-w1", "middle-w1"], first.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["late-w1"], rest.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_SeveralDue_HandedOutEarliestDueFirst()
    {
        await PublishAsync("late", T0.AddSeconds(-1), webhookIds: ["w1", "w2"]);
        await PublishAsync("early", T0.AddSeconds(-10), webhookIds: "w2");
        await PublishAsync("middle", T0.AddSeconds(-5), webhookIds: "w1");

        var claimed = await Claim(T0);

        Assert.Equal(["early-w2", "middle-w1", "late-w1", "late-w2"], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_SameDueTime_HandedOutInPublishOrder()
    {
        await PublishAsync("c", T0, webhookIds: "w1");
        await PublishAsync("a", T0, webhookIds: "w1");
        await PublishAsync("b", T0, webhookIds: "w1");

        Assert.Equal(["c-w1", "a-w1", "b-w1"], (await Claim(T0)).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_OneBusyWebhookAmongManyIdle_TakesAsMuchAsTheClaimAllows()
    {
        for (var i = 0; i < 30; i++)
        {
            await InsertWebhookAsync($"idle-{i:D2}");
        }

        for (var i = 0; i < 100; i++)
        {
            await PublishAsync($"e{i:D3}", T0.AddMilliseconds(i - 1000), webhookIds: "w1");
        }

        var claimed = await ClaimWith(T0, [], defaultCapacity: 80, max: 64);

        Assert.Equal(64, claimed.Count);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"e{i:D3}-w1"), claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_ManyWebhooksEachWithWork_ClaimHonoursMaxAndTakesEarliestAcrossThem()
    {
        for (var i = 0; i < 10; i++)
        {
            await InsertWebhookAsync($"h{i}");
            await PublishAsync($"e{i}", T0.AddSeconds(i - 100), webhookIds: [$"h{i}"]);
            await PublishAsync($"f{i}", T0.AddSeconds(i - 50), webhookIds: [$"h{i}"]);
        }

        var claimed = await ClaimWith(T0, [], defaultCapacity: 10, max: 12);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e{i}-h{i}").Concat(["f0-h0", "f1-h1"]), claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_OneWebhookFarAheadOfAnother_TakesTheEarliestAcrossBothBeyondAFairShare()
    {
        // w1's 60 are all due before any of w2's: a claim of 40 takes w1's first 40, whatever
        // share of the claim a provider offers each webhook first.
        for (var i = 0; i < 60; i++)
        {
            await PublishAsync($"a{i:D2}", T0.AddSeconds(i - 1000), webhookIds: ["w1"]);
            await PublishAsync($"b{i:D2}", T0.AddSeconds(i - 500), webhookIds: ["w2"]);
        }

        var claimed = await ClaimWith(T0, [], defaultCapacity: 100, max: 40);

        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"a{i:D2}-w1"), claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_OneWebhookFarAheadOfNineteen_TakesMoreThanAnEvenSplitOfIt()
    {
        // Twenty webhooks due, so an even split of the claim of 100 is five each; h00's 60 are due
        // before any of the others' five each. The claim is full, takes each webhook's earliest, and
        // more than five of h00's (SQLite takes exactly the 100 earliest: SqliteInMemoryLeaseTests).
        await PublishFarAheadOfNineteenAsync(this);

        var claimed = await ClaimWith(T0, [], defaultCapacity: 100, max: 100);

        Assert.Equal(100, claimed.Count);
        foreach (var webhook in claimed.GroupBy(c => c.WebhookId))
        {
            var ids = webhook.Select(c => c.Id).Order(StringComparer.Ordinal).ToList();
            var prefix = webhook.Key == "h00"
                ? Enumerable.Range(0, ids.Count).Select(i => $"a{i:D2}-h00")
                : Enumerable.Range(0, ids.Count).Select(i => $"o{i}{webhook.Key[1..]}-{webhook.Key}");
            Assert.Equal(prefix, ids);
        }

        Assert.InRange(claimed.Count(c => c.WebhookId == "h00"), 6, 60);
    }

    /// <summary>
    /// Twenty webhooks h00–h19: h00 with 60 deliveries a00–a59 due first, then the others' five each,
    /// o{i}{hh} due in the order i, then hh. Returns the others' delivery ids in due order.
    /// </summary>
    internal static async Task<List<string>> PublishFarAheadOfNineteenAsync(
        Func<string, Task> insertWebhook, Func<string, DateTimeOffset, string, Task> publish)
    {
        for (var h = 0; h < 20; h++)
        {
            await insertWebhook($"h{h:D2}");
        }

        for (var i = 0; i < 60; i++)
        {
            await publish($"a{i:D2}", T0.AddSeconds(i - 2000), "h00");
        }

        var others = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            for (var h = 1; h < 20; h++)
            {
                var id = $"o{i}{h:D2}";
                await publish(id, T0.AddSeconds((i * 20) + h - 1000), $"h{h:D2}");
                others.Add($"{id}-h{h:D2}");
            }
        }

        return others;
    }

    private static Task<List<string>> PublishFarAheadOfNineteenAsync(DeliveryClaimContract<TProvider> contract) =>
        PublishFarAheadOfNineteenAsync(id => contract.InsertWebhookAsync(id), (id, due, webhook) => contract.PublishAsync(id, due, webhookIds: [webhook]));

    [Fact]
    public async Task ClaimDueAsync_ManyWebhooksInStep_TakesExactlyTheEarliestDueAcrossThem()
    {
        // Twelve webhooks with 20 deliveries each, due times interleaved unevenly across them: the
        // claim of 50 is the 50 earliest overall, each webhook's within its own capacity of 15.
        var expected = new List<(DateTimeOffset Due, string Id)>();
        for (var h = 0; h < 12; h++)
        {
            await InsertWebhookAsync($"s{h:D2}");
        }

        for (var i = 0; i < 20; i++)
        {
            for (var h = 0; h < 12; h++)
            {
                var due = T0.AddSeconds(-1000 + (i * 10) + ((h * 7) % 13));
                var id = $"e{i:D2}{h:D2}";
                await PublishAsync(id, due, webhookIds: [$"s{h:D2}"]);
                expected.Add((due, $"{id}-s{h:D2}"));
            }
        }

        var claimed = await ClaimWith(T0, [], defaultCapacity: 15, max: 50);

        // Equal due times go in publish order (the list's order).
        var earliest = expected.Select((e, order) => (e.Due, e.Id, Order: order))
            .GroupBy(e => e.Id[^3..]).SelectMany(g => g.OrderBy(e => e.Due).ThenBy(e => e.Order).Take(15))
            .OrderBy(e => e.Due).ThenBy(e => e.Order).Take(50).Select(e => e.Id);
        Assert.Equal(earliest.Order(StringComparer.Ordinal), claimed.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(earliest, claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_CapacityZero_LeavesThatWebhookOut()
    {
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w1"] = 0 }, defaultCapacity: 10);

        Assert.Equal(["e1-w2"], claimed.Select(c => c.Id));
        Assert.Equal(["e1-w1"], (await ClaimWith(T0, [], defaultCapacity: 10)).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_PerWebhookCapacity_TakesAtMostThatManyEarliestFirst()
    {
        for (var i = 0; i < 5; i++)
        {
            await PublishAsync($"e{i}", T0.AddSeconds(i - 10), webhookIds: ["w1", "w2"]);
        }

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w1"] = 2 }, defaultCapacity: 3);

        Assert.Equal(["e0-w1", "e1-w1"], claimed.Where(c => c.WebhookId == "w1").Select(c => c.Id));
        Assert.Equal(["e0-w2", "e1-w2", "e2-w2"], claimed.Where(c => c.WebhookId == "w2").Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_CapacityAboveMax_MaxStillBinds()
    {
        for (var i = 0; i < 6; i++)
        {
            await PublishAsync($"e{i}", T0.AddSeconds(i - 10), webhookIds: "w1");
        }

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w1"] = 50 }, defaultCapacity: 0, max: 4);

        Assert.Equal(["e0-w1", "e1-w1", "e2-w1", "e3-w1"], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_DefaultCapacityZero_OnlyListedWebhooks()
    {
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w2"] = 5 }, defaultCapacity: 0);

        Assert.Equal(["e1-w2"], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_Partitions_OnlyWebhooksInThosePartitions()
    {
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        Assert.NotEqual(LanePartitions.Of("w1"), LanePartitions.Of("w2"));

        var claimed = await ClaimWith(T0, [], defaultCapacity: 10, partitions: new HashSet<int> { LanePartitions.Of("w2") });

        Assert.Equal(["e1-w2"], claimed.Select(c => c.Id));
        Assert.Equal(["e1-w1"], (await ClaimWith(T0, [], defaultCapacity: 10, partitions: new HashSet<int> { LanePartitions.Of("w1") })).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_NoPartitions_NothingClaimed()
    {
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);

        Assert.Empty(await ClaimWith(T0, [], defaultCapacity: 10, partitions: new HashSet<int>()));
        Assert.Equal(2, (await ClaimWith(T0, [], defaultCapacity: 10)).Count);
    }

    [Fact]
    public async Task ClaimDueAsync_ListedWebhookPaused_NotClaimed()
    {
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["w1"] = 5, ["w2"] = 5 }, defaultCapacity: 0);

        Assert.Equal(["e1-w2"], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_ListedWebhookUnknown_ClaimsTheOthers()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");

        var claimed = await ClaimWith(T0, new Dictionary<string, int> { ["nope"] = 5, ["w1"] = 5 }, defaultCapacity: 0);

        Assert.Equal(["e1-w1"], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_FannedOutEvent_EveryDeliveryCarriesTheBody()
    {
        var stored = NewEvent("e1");
        await Events.IngestAsync(new IngestBatch([stored], [NewDelivery("e1-w1", "w1", "e1", T0), NewDelivery("e1-w2", "w2", "e1", T0)], null, null, T0), None);

        var claimed = await Claim(T0);

        Assert.Equal(2, claimed.Count);
        Assert.All(claimed, c => Assert.Equal(stored.Event.Body.ToArray(), c.Body.ToArray()));
    }

    [Fact]
    public async Task ClaimDueAsync_DeliveriesOfDifferentEvents_EachCarriesItsOwnBody()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        await PublishAsync("e2", T0, webhookIds: "w1");

        var claimed = await Claim(T0);

        Assert.All(claimed, c => Assert.Contains($"\"id\":\"{c.EventId}\"", Encoding.UTF8.GetString(c.Body.Span), StringComparison.Ordinal));
        Assert.Equal(["e1", "e2"], claimed.Select(c => c.EventId));
    }

    [Fact]
    public async Task ClaimDueAsync_SomeDueLater_ReportsTheNextDueTime()
    {
        await PublishAsync("now", T0, webhookIds: "w1");
        await PublishAsync("later", T0.AddSeconds(30), webhookIds: "w1");

        var claimed = await Claim(T0);

        Assert.Equal(["now-w1"], claimed.Select(c => c.Id));
        Assert.Equal(T0.AddSeconds(30), claimed.NextDueAfter);
    }

    [Fact]
    public async Task ClaimDueAsync_ConcurrentClaimers_EachDeliveryClaimedOnce()
    {
        for (var i = 0; i < 40; i++)
        {
            await PublishAsync($"e{i:D2}", T0, webhookIds: "w1");
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Claim(T0, owner: $"node-{n}", max: 7)));

        var ids = claims.SelectMany(c => c).Select(c => c.Id).ToList();
        Assert.Equal(40, ids.Count);
        Assert.Equal(40, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task ClaimDueAsync_PausedWebhook_HoldsItsDeliveriesUntilResumed()
    {
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        Assert.Equal(["e1-w2"], (await Claim(T0)).Select(c => c.Id));
        Assert.DoesNotContain("e1-w1", (await Claim(T0.AddHours(1))).Select(c => c.Id));

        await SetWebhookStatusAsync("w1", WebhookStatus.Enabled);

        Assert.Equal(["e1-w1"], (await Claim(T0.AddHours(1))).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_PublishedWhilePaused_ClaimedAfterResuming()
    {
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);
        await PublishAsync("e1", T0, webhookIds: "w1");

        Assert.Empty(await Claim(T0));

        await SetWebhookStatusAsync("w1", WebhookStatus.Enabled);

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task ClaimDueAsync_DisabledThenReEnabled_HeldDeliveriesBecomeClaimable()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        await SetWebhookStatusAsync("w1", WebhookStatus.Disabled);
        Assert.Empty(await Claim(T0));

        await SetWebhookStatusAsync("w1", WebhookStatus.Enabled);

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task ClaimDueAsync_PausedThenFailing_HeldDeliveriesBecomeClaimable()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        await SetWebhookStatusAsync("w1", WebhookStatus.Failing);

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task ClaimDueAsync_WebhookEditedWithoutStatusChange_HeldStayHeld()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        await Webhooks.UpdateAsync("w1", w => w with { Name = "renamed" }, None);

        Assert.Empty(await Claim(T0.AddHours(1)));
    }

    [Fact]
    public async Task ClaimDueAsync_FailingWebhook_StillSends()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");

        await SetWebhookStatusAsync("w1", WebhookStatus.Failing);

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_NoPendingDeliveries_Null()
    {
        Assert.Null(await NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_PendingDeliveries_EarliestDueTime()
    {
        await PublishAsync("e1", T0.AddMinutes(5), webhookIds: "w1");
        await PublishAsync("e2", T0.AddMinutes(2), webhookIds: "w1");
        await PublishAsync("e3", T0.AddMinutes(9), webhookIds: "w2");

        Assert.Equal(T0.AddMinutes(2), await NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_PendingDeliveries_EarliestStrictlyAfterTheGivenTime()
    {
        await PublishAsync("e1", T0.AddMinutes(5), webhookIds: "w1");
        await PublishAsync("e2", T0.AddMinutes(2), webhookIds: "w1");
        await PublishAsync("e3", T0.AddMinutes(9), webhookIds: "w2");

        Assert.Equal(T0.AddMinutes(2), await NextDueAfterAsync(T0));
        Assert.Equal(T0.AddMinutes(5), await NextDueAfterAsync(T0.AddMinutes(2)));
        Assert.Null(await NextDueAfterAsync(T0.AddMinutes(9)));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_OnlyHeldDeliveries_Null()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");

        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        Assert.Null(await NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task ClaimDueAsync_NextDueAfter_WebhookLeftOutOfTheClaimStillCounts()
    {
        await PublishAsync("e1", T0.AddMinutes(1), webhookIds: "w1");
        await PublishAsync("e2", T0.AddMinutes(3), webhookIds: "w2");

        var result = await ClaimWith(T0, new Dictionary<string, int> { ["w1"] = 0 }, defaultCapacity: 10);

        // Its delivery is still sendable: a lane that frees up wants to know when.
        Assert.Empty(result);
        Assert.Equal(T0.AddMinutes(1), result.NextDueAfter);
    }
}
