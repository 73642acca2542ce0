using Herald.Core.Deliveries;
using Herald.Storage.Tests.Contracts;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// Several nodes share the database: a node that starts must not take the leases another node's
/// attempts are in flight under. Its <see cref="IDeliveryStore.RecoverLeasesAsync"/> gives none
/// back; each lease is due again when it runs out, for whichever node claims first.
/// </summary>
public sealed class PostgresLeaseRecoveryTests : StoreContract<PostgresStoreProvider>
{
    protected override Task SeedAsync() => InsertWebhookAsync("w1");

    [Fact]
    public async Task RecoverLeasesAsync_AnotherNodeStarts_LiveLeasesKeptUntilTheyRunOut()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        await PublishAsync("e2", T0, webhookIds: "w1");
        var held = await Claim(T0, owner: "node-a");
        Assert.Equal(2, held.Count);
        await using var nodeB = await Stores.OpenAgainAsync();

        var recovered = await nodeB.Deliveries.RecoverLeasesAsync(T0.AddSeconds(5), None);

        Assert.Equal(0, recovered);
        Assert.Empty(await nodeB.Deliveries.ClaimDueAsync("node-b", T0.AddSeconds(5), Lease, 10, None));
        Assert.Equal(T0 + Lease, (await nodeB.Deliveries.ClaimDueAsync("node-b", T0.AddSeconds(5), Lease, 0, None)).NextDueAfter);
        Assert.Equal(["e1-w1", "e2-w1"], (await nodeB.Deliveries.ClaimDueAsync("node-b", T0 + Lease, Lease, 10, None)).Select(c => c.Id).Order());
    }

    [Fact]
    public async Task RecoverLeasesAsync_LeaseKept_ItsAttemptStillCompletes()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = Assert.Single(await Claim(T0, owner: "node-a"));
        await using var nodeB = await Stores.OpenAgainAsync();
        Assert.Equal(0, await nodeB.Deliveries.RecoverLeasesAsync(T0.AddSeconds(1), None));

        var result = await Deliveries.CompleteAsync(
            [new AttemptRecord(claimed.Id, "w1", 1, T0, 200, 5, null, null, true, null, claimed.LeaseUntil)], T0.AddSeconds(2), DisableAfter, None);

        Assert.Empty(result.Ignored);
        Assert.Equal(DeliveryStatus.Succeeded, await StatusOf("e1-w1"));
    }
}
