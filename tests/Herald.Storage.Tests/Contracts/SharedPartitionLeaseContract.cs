using Herald.Core.Deliveries;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// <see cref="IPartitionLeases"/> across nodes, for providers several nodes share
/// (<see cref="IPartitionLeases.Shared"/>): each node is its own set of stores over one database
/// (<see cref="IStoreSet.OpenAgainAsync"/>). No partition is ever owned by two live nodes; nodes
/// settle on fair shares; a dead node's partitions, and its delivery leases, are taken over once its
/// lease runs out; a node that leaves or gives partitions back frees them at once. Time is the
/// caller's, so expiry is shown by passing later times, never by sleeping.
/// </summary>
public abstract class SharedPartitionLeaseContract<TProvider> : StoreContract<TProvider>, IAsyncLifetime
    where TProvider : IStoreProvider, new()
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    private readonly List<IStoreSet> _nodes = [];

    public new async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    [Fact]
    public void Shared_True()
    {
        Assert.True(Stores.PartitionLeases.Shared);
    }

    [Fact]
    public async Task BalanceAsync_SecondNodeJoins_GetsNothingUntilTheFirstGivesItsSurplusBack()
    {
        var a = Stores.PartitionLeases;
        var b = await NodeAsync();
        await a.BalanceAsync(Round("node-a", T0), None);

        var joined = await b.BalanceAsync(Round("node-b", T0.AddSeconds(1)), None);
        var first = await a.BalanceAsync(Round("node-a", T0.AddSeconds(2)), None);

        Assert.Empty(joined.Owned);
        Assert.Equal(2, joined.LiveNodes);
        Assert.Equal(128, joined.FairShare);
        Assert.Equal(LanePartitions.Count, first.Owned.Count);
        Assert.Equal(2, first.LiveNodes);

        var surplus = first.Owned.Order().Take(first.Owned.Count - first.FairShare).ToList();
        var after = await a.BalanceAsync(Round("node-a", T0.AddSeconds(3), surplus), None);
        var taken = await b.BalanceAsync(Round("node-b", T0.AddSeconds(3)), None);

        Assert.Equal(128, after.Owned.Count);
        Assert.Empty(after.Owned.Intersect(surplus));
        Assert.Equal(surplus, taken.Owned.Order());
        Assert.Equal(surplus, taken.Taken.Order());
    }

    [Fact]
    public async Task BalanceAsync_GivenBack_NotRetakenInTheSameRound()
    {
        var a = Stores.PartitionLeases;
        await a.BalanceAsync(Round("node-a", T0), None);

        var held = await a.BalanceAsync(Round("node-a", T0.AddSeconds(1), [7, 9]), None);

        Assert.Equal(LanePartitions.Count - 2, held.Owned.Count);
        Assert.DoesNotContain(7, held.Owned);
        Assert.DoesNotContain(9, held.Owned);
        Assert.Equal(LanePartitions.Count, (await a.BalanceAsync(Round("node-a", T0.AddSeconds(2)), None)).Owned.Count);
    }

    [Fact]
    public async Task BalanceAsync_HolderStillLive_NotTaken()
    {
        var a = Stores.PartitionLeases;
        var b = await NodeAsync();
        await a.BalanceAsync(Round("node-a", T0), None);

        var held = await b.BalanceAsync(Round("node-b", T0 + Ttl - TimeSpan.FromMilliseconds(1)), None);

        Assert.Empty(held.Owned);
    }

    [Fact]
    public async Task BalanceAsync_HolderStoppedRenewing_TakenOverWhenItsLeaseRunsOut()
    {
        var a = Stores.PartitionLeases;
        var b = await NodeAsync();
        await a.BalanceAsync(Round("node-a", T0), None);

        var held = await b.BalanceAsync(Round("node-b", T0 + Ttl), None);
        var late = await a.BalanceAsync(Round("node-a", T0 + Ttl + TimeSpan.FromSeconds(1)), None);

        Assert.Equal(LanePartitions.Count, held.Owned.Count);
        Assert.Equal(1, held.LiveNodes);
        Assert.Empty(late.Owned);
        Assert.Equal(2, late.LiveNodes);
    }

    [Fact]
    public async Task LeaveAsync_PartitionsFreeAtOnceAndTheNodeIsNoLongerCounted()
    {
        var a = Stores.PartitionLeases;
        var b = await NodeAsync();
        await a.BalanceAsync(Round("node-a", T0), None);
        await b.BalanceAsync(Round("node-b", T0), None);

        await a.LeaveAsync("node-a", None);
        var held = await b.BalanceAsync(Round("node-b", T0.AddSeconds(1)), None);

        Assert.Equal(LanePartitions.Count, held.Owned.Count);
        Assert.Equal(1, held.LiveNodes);
    }

    [Fact]
    public async Task BalanceAsync_TakesOverFromADeadNode_ItsDeliveryLeasesGivenBack()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        var a = Stores.PartitionLeases;
        var b = await NodeAsync();
        var owned = (await a.BalanceAsync(Round("node-a", T0), None)).Owned;
        Assert.Equal(2, (await ClaimWith(T0, [], defaultCapacity: 10, owner: "node-a", partitions: owned)).Count);

        // node-a is killed: it never renews. node-b takes over once the partition lease runs out,
        // long before the one-minute delivery leases would.
        var at = T0 + Ttl;
        var held = await b.BalanceAsync(Round("node-b", at), None);
        var claimed = await ClaimWith(at, [], defaultCapacity: 10, owner: "node-b", partitions: held.Owned);

        Assert.Equal(2, held.ReleasedDeliveries);
        Assert.Equal(["e1-w1", "e1-w2"], claimed.Select(c => c.Id).Order());
        Assert.True(at < T0 + Lease);
    }

    [Fact]
    public async Task BalanceAsync_PartitionGivenBackByALiveNode_ItsDeliveryLeasesStay()
    {
        await InsertWebhookAsync("w1");
        await PublishAsync("e1", T0, webhookIds: "w1");
        var a = Stores.PartitionLeases;
        var b = await NodeAsync();
        var owned = (await a.BalanceAsync(Round("node-a", T0), None)).Owned;
        await b.BalanceAsync(Round("node-b", T0), None);
        Assert.Single(await ClaimWith(T0, [], defaultCapacity: 10, owner: "node-a", partitions: owned));

        // A live node gives a partition back only once nothing of it is in flight; here it still is
        // (a misbehaving caller): its lease on the delivery is not touched.
        var partition = LanePartitions.Of("w1");
        await a.BalanceAsync(Round("node-a", T0.AddSeconds(1), [partition]), None);
        var held = await b.BalanceAsync(Round("node-b", T0.AddSeconds(1)), None);

        Assert.Contains(partition, held.Owned);
        Assert.Equal(0, held.ReleasedDeliveries);
        Assert.Empty(await ClaimWith(T0.AddSeconds(1), [], defaultCapacity: 10, owner: "node-b", partitions: held.Owned));
    }

    [Fact]
    public async Task BalanceAsync_ThreeNodesRacingRounds_NeverOverlapAndSettleOnFairShares()
    {
        IPartitionLeases[] nodes = [Stores.PartitionLeases, await NodeAsync(), await NodeAsync()];
        var owned = new IReadOnlySet<int>[3];
        var surplus = new List<int>[] { [], [], [] };
        for (var round = 0; round < 12; round++)
        {
            // Every node runs its round at once, as a balancer would, giving back what it drained.
            var now = T0.AddSeconds(round);
            var results = await Task.WhenAll(nodes.Select((node, i) => Task.Run(() => node.BalanceAsync(Round($"node-{i}", now, surplus[i]), None))));
            for (var i = 0; i < 3; i++)
            {
                owned[i] = results[i].Owned;
                surplus[i] = results[i].Owned.Order().Skip(results[i].FairShare).ToList();
            }

            AssertDisjoint(owned);
        }

        Assert.Equal(LanePartitions.Count, owned.Sum(o => o.Count));
        Assert.All(owned, o => Assert.InRange(o.Count, 84, 86));
    }

    [Fact]
    public async Task BalanceAsync_OneOfThreeDies_SurvivorsSplitItsPartitions()
    {
        IPartitionLeases[] nodes = [Stores.PartitionLeases, await NodeAsync(), await NodeAsync()];
        var owned = await SettleAsync(nodes, T0, rounds: 6, live: 3);
        Assert.All(owned, o => Assert.InRange(o.Count, 84, 86));

        // node-2 stops (its last round was at T0 + 5 s); once its lease runs out the other two take
        // its partitions and even out.
        var after = await SettleAsync(nodes[..2], T0.AddSeconds(6), rounds: 16, live: 2);

        Assert.Equal([128, 128], after.Select(o => o.Count));
    }

    private static PartitionRound Round(string node, DateTimeOffset now, IReadOnlyCollection<int>? giveBack = null) => new(node, now, Ttl, giveBack ?? []);

    /// <summary>
    /// Rounds of one node after another, a second apart, each giving back its surplus; every
    /// partition is owned once at the end, by <paramref name="live"/> live nodes.
    /// </summary>
    private static async Task<IReadOnlySet<int>[]> SettleAsync(IPartitionLeases[] nodes, DateTimeOffset start, int rounds, int live)
    {
        var owned = new IReadOnlySet<int>[nodes.Length];
        var surplus = nodes.Select(_ => new List<int>()).ToArray();
        var liveNodes = 0;
        for (var round = 0; round < rounds; round++)
        {
            var now = start.AddSeconds(round);
            for (var i = 0; i < nodes.Length; i++)
            {
                var held = await nodes[i].BalanceAsync(Round($"node-{i}", now, surplus[i]), None);
                liveNodes = held.LiveNodes;
                owned[i] = held.Owned;
                surplus[i] = held.Owned.Order().Skip(held.FairShare).ToList();
            }

            AssertDisjoint(owned);
        }

        Assert.Equal(live, liveNodes);
        Assert.Equal(LanePartitions.Count, owned.Sum(o => o.Count));
        return owned;
    }

    private static void AssertDisjoint(IReadOnlySet<int>[] owned)
    {
        var seen = new HashSet<int>();
        foreach (var partition in owned.SelectMany(o => o))
        {
            Assert.True(seen.Add(partition), $"partition {partition} is owned by two nodes");
        }
    }

    private async Task<IPartitionLeases> NodeAsync()
    {
        var node = await Stores.OpenAgainAsync();
        _nodes.Add(node);
        return node.PartitionLeases;
    }
}
