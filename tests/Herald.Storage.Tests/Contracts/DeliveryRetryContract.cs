using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Reading one delivery and retrying it by hand: <see cref="IDeliveryStore.GetAsync"/> and <see cref="IDeliveryStore.RetryAsync"/>.</summary>
public abstract class DeliveryRetryContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await PublishAsync("e1", T0, webhookIds: "w1");
    }

    [Fact]
    public async Task GetAsync_NoAttemptYet_EmptyAttemptList()
    {
        var view = await GetAsync("e1-w1");

        Assert.Empty(view.Attempts!);
        Assert.Equal((0, (int?)null, (string?)null), (view.AttemptCount, view.LastStatusCode, view.LastError));
    }

    [Fact]
    public async Task RetryAsync_FailedDelivery_PendingAndDueNow()
    {
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 8, T0, 500, next: null));
        var now = T0.AddDays(2);

        var view = await Deliveries.RetryAsync("e1-w1", null, now, None);

        Assert.NotNull(view);
        Assert.Equal((DeliveryStatus.Pending, now), (view.Status, view.NextAttemptAt!.Value));
        Assert.Equal(now, await NextDueAfterAsync(DateTimeOffset.MinValue));
        Assert.Equal("e1-w1", Assert.Single(await Claim(now)).Id);
    }

    [Fact]
    public async Task RetryAsync_FailedDelivery_KeepsItsAttemptsAndCountsOn()
    {
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 8, T0, 500, next: null));

        await Deliveries.RetryAsync("e1-w1", null, T0.AddDays(1), None);

        var claimed = Assert.Single(await Claim(T0.AddDays(1)));
        Assert.Equal(8, claimed.AttemptCount);
        Assert.Single((await GetAsync("e1-w1")).Attempts!);
    }

    [Fact]
    public async Task RetryAsync_SucceededDelivery_SentAgain()
    {
        await Claim(T0);
        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        Assert.NotNull(await Deliveries.RetryAsync("e1-w1", null, T0.AddMinutes(1), None));

        Assert.Single(await Claim(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task RetryAsync_CancelledDelivery_SentAgain()
    {
        Assert.Equal(CancelOutcome.Cancelled, await Recovery.CancelAsync("e1-w1", null, T0, None));

        var view = await Deliveries.RetryAsync("e1-w1", null, T0.AddMinutes(1), None);

        Assert.Equal(DeliveryStatus.Pending, view!.Status);
        Assert.Single(await Claim(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task RetryAsync_PendingFutureDelivery_BroughtForward()
    {
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddHours(2)));

        await Deliveries.RetryAsync("e1-w1", null, T0.AddMinutes(1), None);

        Assert.Single(await Claim(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task RetryAsync_LeasedDelivery_NotFound()
    {
        await Claim(T0);

        Assert.Null(await Deliveries.RetryAsync("e1-w1", null, T0, None));
        Assert.Empty(await Claim(T0, owner: "node-b"));
    }

    [Fact]
    public async Task RetryAsync_LeaseRanOut_RetriedAndClaimable()
    {
        await Claim(T0);

        Assert.NotNull(await Deliveries.RetryAsync("e1-w1", null, T0 + Lease, None));

        Assert.Single(await Claim(T0 + Lease, owner: "node-b"));
    }

    [Fact]
    public async Task RetryAsync_UnknownOrOtherDomain_Null()
    {
        Assert.Null(await Deliveries.RetryAsync("nope", null, T0, None));
        Assert.Null(await Deliveries.RetryAsync("e1-w1", "other-domain", T0, None));
    }

    [Fact]
    public async Task RetryAsync_OwnDomain_Retried()
    {
        await PublishAsync("e9", T0.AddHours(3), domainId: "dom-a", webhookIds: "w1");

        var view = await Deliveries.RetryAsync("e9-w1", "dom-a", T0, None);

        Assert.Equal(("dom-a", T0), (view!.DomainId, view.NextAttemptAt!.Value));
    }

    [Fact]
    public async Task RetryAsync_PausedWebhook_PendingButHeld()
    {
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 8, T0, 500, next: null));
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        var view = await Deliveries.RetryAsync("e1-w1", null, T0, None);

        Assert.Equal(DeliveryStatus.Pending, view!.Status);
        Assert.Empty(await Claim(T0.AddHours(1)));

        await SetWebhookStatusAsync("w1", WebhookStatus.Enabled);
        Assert.Single(await Claim(T0.AddHours(1)));
    }

    [Fact]
    public async Task RetryAsync_WebhookDeleted_PendingButNeverClaimed()
    {
        await Webhooks.DeleteAsync("w1", T0, None);

        var view = await Deliveries.RetryAsync("e1-w1", null, T0.AddMinutes(1), None);

        Assert.Equal(DeliveryStatus.Pending, view!.Status);
        Assert.Empty(await Claim(T0.AddDays(1)));
    }

    [Fact]
    public async Task GetAsync_OtherDomain_Null()
    {
        await PublishAsync("e9", T0, domainId: "dom-a", webhookIds: "w1");

        Assert.NotNull(await Deliveries.GetAsync("e9-w1", "dom-a", None));
        Assert.Null(await Deliveries.GetAsync("e9-w1", "dom-b", None));
        Assert.Null(await Deliveries.GetAsync("missing", null, None));
    }

    [Fact]
    public async Task GetAsync_GlobalDelivery_NotSeenByADomain()
    {
        Assert.NotNull(await Deliveries.GetAsync("e1-w1", null, None));
        Assert.Null(await Deliveries.GetAsync("e1-w1", "dom-a", None));
    }
}
