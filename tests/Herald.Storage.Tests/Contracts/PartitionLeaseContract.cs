using Herald.Core.Deliveries;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// <see cref="IPartitionLeases"/> as one node sees it, for every provider: a node alone owns every
/// partition, keeps them round after round, and gets them back after leaving. What several nodes
/// sharing a store see is <see cref="SharedPartitionLeaseContract{TProvider}"/>.
/// </summary>
public abstract class PartitionLeaseContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    private IPartitionLeases Leases => Stores.PartitionLeases;

    [Fact]
    public async Task BalanceAsync_OnlyNode_OwnsEveryPartition()
    {
        var held = await Leases.BalanceAsync(new PartitionRound("node-a", T0, Ttl, []), None);

        Assert.Equal(Enumerable.Range(0, LanePartitions.Count), held.Owned.Order());
        Assert.Equal(1, held.LiveNodes);
        Assert.Equal(LanePartitions.Count, held.FairShare);
        Assert.True(held.LeaseUntil >= T0 + Ttl);
    }

    [Fact]
    public async Task BalanceAsync_NextRound_KeepsItsPartitionsAndExtendsTheLease()
    {
        await Leases.BalanceAsync(new PartitionRound("node-a", T0, Ttl, []), None);

        var held = await Leases.BalanceAsync(new PartitionRound("node-a", T0.AddSeconds(8), Ttl, []), None);

        Assert.Equal(LanePartitions.Count, held.Owned.Count);
        Assert.Empty(held.Taken.Except(Enumerable.Range(0, LanePartitions.Count)));
        Assert.True(held.LeaseUntil >= T0.AddSeconds(8) + Ttl);
    }

    [Fact]
    public async Task LeaveAsync_ThenBalanceAgain_OwnsEveryPartitionAgain()
    {
        await Leases.BalanceAsync(new PartitionRound("node-a", T0, Ttl, []), None);

        await Leases.LeaveAsync("node-a", None);
        var held = await Leases.BalanceAsync(new PartitionRound("node-a", T0.AddSeconds(1), Ttl, []), None);

        Assert.Equal(LanePartitions.Count, held.Owned.Count);
        Assert.Equal(1, held.LiveNodes);
    }

    [Fact]
    public async Task BalanceAsync_OwnedPartitionsInAClaim_EveryWebhookClaimed()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
        await InsertWebhookAsync("w3");
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2", "w3"]);
        var held = await Leases.BalanceAsync(new PartitionRound("node-a", T0, Ttl, []), None);

        var claimed = await ClaimWith(T0, [], defaultCapacity: 10, owner: "node-a", partitions: held.Owned);

        Assert.Equal(["e1-w1", "e1-w2", "e1-w3"], claimed.Select(c => c.Id).Order());
    }

    [Fact]
    public async Task BalanceAsync_BadArguments_Refused()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Leases.BalanceAsync(new PartitionRound("", T0, Ttl, []), None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Leases.BalanceAsync(new PartitionRound("node-a", T0, TimeSpan.Zero, []), None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Leases.LeaveAsync("", None));
    }

    [Fact]
    public void FairShareOf_LiveNodes_CeilingOfPartitionsPerNode()
    {
        Assert.Equal(256, PartitionHoldings.FairShareOf(1));
        Assert.Equal(128, PartitionHoldings.FairShareOf(2));
        Assert.Equal(86, PartitionHoldings.FairShareOf(3));
        Assert.Equal(1, PartitionHoldings.FairShareOf(300));
    }
}
