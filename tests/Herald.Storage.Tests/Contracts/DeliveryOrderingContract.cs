using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Ordering by object (<c>ordering: "object"</c>): one delivery per object in flight, in publish order.</summary>
public abstract class DeliveryOrderingContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedWebhook_OnePerObjectInPublishOrder()
    {
        await Webhooks.UpdateAsync("w1", w => w with { Ordering = WebhookOrdering.Object }, None);
        await Events.IngestAsync(
            new IngestBatch(
                [NewEvent("e1", objectId: "o1"), NewEvent("e2", objectId: "o1"), NewEvent("e3", objectId: "o2")],
                [Ordered("e1-w1", "e1", "o1"), Ordered("e2-w1", "e2", "o1"), Ordered("e3-w1", "e3", "o2")],
                null, null, T0),
            None);

        Assert.Equal(["e1-w1", "e3-w1"], (await Claim(T0)).Select(c => c.Id));
        Assert.Empty(await Claim(T0));

        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        Assert.Equal(["e2-w1"], (await Claim(T0)).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedEarlierWaitingForRetry_LaterOneWaits()
    {
        await Webhooks.UpdateAsync("w1", w => w with { Ordering = WebhookOrdering.Object }, None);
        await Events.IngestAsync(
            new IngestBatch([NewEvent("e1", objectId: "o1"), NewEvent("e2", objectId: "o1")], [Ordered("e1-w1", "e1", "o1"), Ordered("e2-w1", "e2", "o1")], null, null, T0),
            None);
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddMinutes(1)));

        Assert.Empty(await Claim(T0.AddSeconds(30)));
        Assert.Equal(["e1-w1"], (await Claim(T0.AddMinutes(1))).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedEarlierFailedForGood_ReleasesTheNext()
    {
        await Webhooks.UpdateAsync("w1", w => w with { Ordering = WebhookOrdering.Object }, None);
        await Events.IngestAsync(
            new IngestBatch([NewEvent("e1", objectId: "o1"), NewEvent("e2", objectId: "o1")], [Ordered("e1-w1", "e1", "o1"), Ordered("e2-w1", "e2", "o1")], null, null, T0),
            None);
        await Claim(T0);

        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, next: null));

        Assert.Equal(["e2-w1"], (await Claim(T0)).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedEarlierCancelled_ReleasesTheNext()
    {
        await Webhooks.UpdateAsync("w1", w => w with { Ordering = WebhookOrdering.Object }, None);
        await Events.IngestAsync(
            new IngestBatch([NewEvent("e1", objectId: "o1"), NewEvent("e2", objectId: "o1")], [Ordered("e1-w1", "e1", "o1"), Ordered("e2-w1", "e2", "o1")], null, null, T0),
            None);

        Assert.Equal(CancelOutcome.Cancelled, await Recovery.CancelAsync("e1-w1", null, T0, None));

        Assert.Equal(["e2-w1"], (await Claim(T0)).Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_UnorderedDeliveriesOfOneObject_AllClaimedAtOnce()
    {
        await Events.IngestAsync(
            new IngestBatch([NewEvent("e1", objectId: "o1"), NewEvent("e2", objectId: "o1")], [NewDelivery("e1-w1", "w1", "e1", T0, "o1"), NewDelivery("e2-w1", "w1", "e2", T0, "o1")], null, null, T0),
            None);

        Assert.Equal(2, (await Claim(T0)).Count);
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedLaterOneInFlightThenEarlierRetried_EarlierWaitsForIt()
    {
        await Webhooks.UpdateAsync("w1", w => w with { Ordering = WebhookOrdering.Object }, None);
        await Events.IngestAsync(
            new IngestBatch([NewEvent("e1", objectId: "o1"), NewEvent("e2", objectId: "o1")], [Ordered("e1-w1", "e1", "o1"), Ordered("e2-w1", "e2", "o1")], null, null, T0),
            None);
        Assert.Equal(["e1-w1"], (await Claim(T0)).Select(c => c.Id));
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, next: null));
        Assert.Equal(["e2-w1"], (await Claim(T0)).Select(c => c.Id));

        await Deliveries.RetryAsync("e1-w1", null, T0, None);

        Assert.Empty(await Claim(T0));
        await CompleteAsync(T0, Succeeded("e2-w1", 1, T0));
        Assert.Equal(["e1-w1"], (await Claim(T0)).Select(c => c.Id));
    }

    private static NewDelivery Ordered(string id, string eventId, string objectId) => NewDelivery(id, "w1", eventId, T0, objectId) with { Ordered = true };
}
