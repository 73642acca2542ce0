using Herald.Core.Deliveries;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Leases: how long a claim holds a delivery, when it is due again, and <see cref="IDeliveryStore.ReleaseAsync"/>.</summary>
public abstract class DeliveryLeaseContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
    }

    [Fact]
    public async Task ClaimDueAsync_MaxZero_ClaimsAndLeasesNothing()
    {
        await PublishAsync("e1", T0.AddSeconds(-5), webhookIds: "w1");

        var claimed = await Claim(T0, max: 0);

        Assert.Empty(claimed);
        Assert.Single(await Claim(T0, owner: "node-b"));
    }

    [Fact]
    public async Task ClaimDueAsync_WhileLeased_NotReturnedAgain()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        Assert.Single(await Claim(T0, owner: "node-a"));

        Assert.Empty(await Claim(T0, owner: "node-b"));
        Assert.Empty(await Claim(T0 + Lease - TimeSpan.FromMilliseconds(1), owner: "node-b"));
    }

    [Fact]
    public async Task ClaimDueAsync_WhileLeased_SameOwnerDoesNotGetItTwice()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        Assert.Single(await Claim(T0, owner: "node-a"));

        Assert.Empty(await Claim(T0.AddSeconds(1), owner: "node-a"));
    }

    [Fact]
    public async Task ClaimDueAsync_LeaseExpired_ReturnedAgainWithANewLease()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        Assert.Single(await Claim(T0, owner: "node-a"));

        var again = Assert.Single(await Claim(T0 + Lease, owner: "node-b"));

        Assert.Equal("e1-w1", again.Id);
        Assert.Equal(T0 + Lease + Lease, again.LeaseUntil);
        Assert.Empty(await Claim(T0 + Lease, owner: "node-a"));
    }

    [Fact]
    public async Task ClaimDueAsync_LeaseExpiredAndReleasedByItsFormerOwner_NewOwnerKeepsIt()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var first = await Claim(T0, owner: "node-a");
        Assert.Single(await Claim(T0 + Lease, owner: "node-b"));

        await Deliveries.ReleaseAsync("node-a", first, T0 + Lease, None);

        Assert.Empty(await Claim(T0 + Lease, owner: "node-c"));
    }

    [Fact]
    public async Task ClaimDueAsync_LeaseLength_TakenFromTheRequest()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");

        var claimed = Assert.Single(await Deliveries.ClaimDueAsync("node-a", T0, TimeSpan.FromSeconds(7), 10, None));

        Assert.Equal(T0.AddSeconds(7), claimed.LeaseUntil);
        Assert.Empty(await Claim(T0.AddSeconds(7).AddMilliseconds(-1), owner: "node-b"));
        Assert.Single(await Claim(T0.AddSeconds(7), owner: "node-b"));
    }

    [Fact]
    public async Task ClaimDueAsync_Leased_DueAgainWhenTheLeaseRunsOut()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");

        var claimed = Assert.Single(await Claim(T0));

        Assert.Equal(T0 + Lease, claimed.LeaseUntil);
        Assert.Null((await GetAsync("e1-w1")).NextAttemptAt);
        Assert.Equal(T0 + Lease, await NextDueAfterAsync(T0));
        Assert.Equal("e1-w1", Assert.Single(await Claim(T0 + Lease, owner: "node-b")).Id);
    }

    [Fact]
    public async Task ClaimDueAsync_Leased_StillPendingWithItsAttemptCount()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");

        await Claim(T0);

        var view = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Pending, 0), (view.Status, view.AttemptCount));
    }

    [Fact]
    public async Task ReleaseAsync_Released_DueAtTheReleaseTime()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0);

        await Deliveries.ReleaseAsync("node-a", claimed, T0.AddSeconds(3), None);

        Assert.Equal(T0.AddSeconds(3), (await GetAsync("e1-w1")).NextAttemptAt);
        Assert.Empty(await Claim(T0.AddSeconds(2)));
        Assert.Single(await Claim(T0.AddSeconds(3)));
    }

    [Fact]
    public async Task ReleaseAsync_OwnLease_MakesDeliveryDueAtOnce()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0, owner: "node-a");

        await Deliveries.ReleaseAsync("node-a", claimed, T0, None);

        Assert.Single(await Claim(T0, owner: "node-b"));
    }

    [Fact]
    public async Task ReleaseAsync_Released_AttemptCountUnchanged()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0);

        await Deliveries.ReleaseAsync("node-a", claimed, T0, None);

        Assert.Equal(0, Assert.Single(await Claim(T0)).AttemptCount);
        Assert.Empty((await GetAsync("e1-w1")).Attempts!);
    }

    [Fact]
    public async Task ReleaseAsync_SomeOfAClaim_OnlyThoseGoBack()
    {
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        var claimed = await Claim(T0);

        await Deliveries.ReleaseAsync("node-a", claimed.Where(c => c.WebhookId == "w2").ToList(), T0, None);

        Assert.Equal(["e1-w2"], (await Claim(T0, owner: "node-b")).Select(c => c.Id));
    }

    [Fact]
    public async Task ReleaseAsync_Nothing_NoChange()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        await Claim(T0);

        await Deliveries.ReleaseAsync("node-a", [], T0, None);

        Assert.Empty(await Claim(T0, owner: "node-b"));
    }

    [Fact]
    public async Task ReleaseAsync_SomeoneElsesLease_LeavesItLeased()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0, owner: "node-a");

        await Deliveries.ReleaseAsync("node-b", claimed, T0, None);

        Assert.Empty(await Claim(T0, owner: "node-c"));
    }

    [Fact]
    public async Task ReleaseAsync_ClaimedAgainSinceItsLeaseRanOut_KeepsTheNewerLease()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var stale = await Claim(T0, owner: "node-a");
        Assert.Single(await Claim(T0 + Lease, owner: "node-a"));

        await Deliveries.ReleaseAsync("node-a", stale, T0 + Lease, None);

        Assert.Empty(await Claim(T0 + Lease, owner: "node-b"));
    }

    [Fact]
    public async Task ReleaseAsync_AfterCompletion_DeliveryStaysDone()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0);
        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        await Deliveries.ReleaseAsync("node-a", claimed, T0, None);

        Assert.Equal(DeliveryStatus.Succeeded, await StatusOf("e1-w1"));
        Assert.Empty(await Claim(T0.AddDays(1)));
    }
}
