using System.Diagnostics;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Tests.Infrastructure;

namespace Herald.Delivery.Tests.Dispatching;

/// <summary>
/// Nodes of one cluster (<see cref="TestCluster"/>: dispatchers and balancers in this process on one
/// PostgreSQL database, on the real clock) share the webhook partitions: evenly, moving them when a
/// node joins, leaves or is cut off, never two at once — so a webhook's limits hold cluster-wide.
/// </summary>
public sealed class PartitionBalancerTests : IAsyncLifetime
{
    private static readonly PartitionOptions Quick = new()
    {
        LeaseTime = TimeSpan.FromSeconds(30),
        RebalanceEvery = TimeSpan.FromMilliseconds(100),
        FenceMargin = TimeSpan.FromSeconds(2),
    };

    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Balance_NodesJoinAndLeave_PartitionsSpreadEvenlyAndNeverOwnedTwice()
    {
        var a = await _cluster.StartNodeAsync("a", Quick);
        await UntilAsync(() => a.Claimable.Count == LanePartitions.Count, "the only node to own every partition");

        var b = await _cluster.StartNodeAsync("b", Quick);
        await UntilAsync(() => Counts() == "128,128", "two nodes to split the partitions");

        var c = await _cluster.StartNodeAsync("c", Quick);
        await UntilAsync(
            () => _cluster.Nodes.All(n => n.Claimable.Count <= 86 && n.Ownership.Owned == n.Claimable.Count) && _cluster.Nodes.Sum(n => n.Claimable.Count) == LanePartitions.Count,
            "three nodes to hold fair shares");
        Assert.All(_cluster.Nodes, n => Assert.InRange(n.Claimable.Count, 84, 86));

        // A graceful stop gives b's partitions back at once: the others take them long before
        // b's 30 s leases would have run out.
        var left = Stopwatch.StartNew();
        await b.StopAsync();
        await UntilAsync(() => a.Claimable.Count + c.Claimable.Count == LanePartitions.Count, "the others to take b's partitions", running: [a, c]);
        Assert.True(left.Elapsed < Quick.LeaseTime, $"took {left.Elapsed}");
        await UntilAsync(() => a.Claimable.Count == 128 && c.Claimable.Count == 128, "two nodes to even out again", running: [a, c]);
        Assert.Equal(0, b.Ownership.Owned);
    }

    [Fact]
    public async Task Balance_NodeCutOffFromTheDatabase_FencesItselfBeforeTheOthersTakeOver()
    {
        var shortLeases = new PartitionOptions { LeaseTime = TimeSpan.FromSeconds(3), RebalanceEvery = TimeSpan.FromMilliseconds(100), FenceMargin = TimeSpan.FromSeconds(1) };
        var a = await _cluster.StartNodeAsync("a", shortLeases);
        var b = await _cluster.StartNodeAsync("b", shortLeases);
        await UntilAsync(() => Counts() == "128,128", "two nodes to split the partitions");

        var cut = Stopwatch.StartNew();
        b.Leases.CutOff = true;

        // Sampled all along (UntilAsync checks): b stops claiming and sending before a takes over.
        await UntilAsync(() => b.Claimable.Count == 0, "b to fence itself off");
        Assert.True(cut.Elapsed >= TimeSpan.FromSeconds(1), $"fenced after {cut.Elapsed}, before its leases could run out");
        await UntilAsync(() => a.Claimable.Count == LanePartitions.Count, "a to take over b's partitions once they ran out");
        Assert.False(b.Ownership.MaySend(LanePartitions.Of("any-webhook")));

        // Back on the network, b learns it owns nothing and takes its share again.
        b.Leases.CutOff = false;
        await UntilAsync(() => Counts() == "128,128", "b to rejoin");
    }

    [Fact]
    public async Task Deliver_NodeDiesWithAttemptsInFlight_AnotherNodeSendsThemWithinAboutAPartitionLease()
    {
        await using var receiver = await ConcurrencyReceiver.StartAsync(TimeSpan.FromMilliseconds(10));
        var shortLeases = new PartitionOptions { LeaseTime = TimeSpan.FromSeconds(3), RebalanceEvery = TimeSpan.FromMilliseconds(100), FenceMargin = TimeSpan.FromSeconds(1) };
        var partition = LanePartitions.Count - 1;
        var id = Enumerable.Range(0, 10_000).Select(i => $"dying-{i}").First(w => LanePartitions.Of(w) == partition);
        await _cluster.AddWebhookAsync(new Webhook
        {
            Id = id,
            Url = receiver.Url,
            EventType = "assets",
            Secrets = [new WebhookSecretEntry("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)],
        });
        var a = await _cluster.StartNodeAsync("a", shortLeases);
        var b = await _cluster.StartNodeAsync("b", shortLeases);
        await UntilAsync(() => b.Claimable.Contains(partition) && Counts() == "128,128", "b to own the webhook's partition");

        // b's attempts hang at the receiver; then b drops off the database (as if killed): it
        // never renews, never gives its leases back.
        receiver.Hang["b"] = true;
        var ids = await _cluster.PublishAsync(id, 10);
        await UntilAsync(() => receiver.Started.Count(n => n == "b") == ids.Count, "b to have every delivery in flight");
        var died = Stopwatch.StartNew();
        b.Leases.CutOff = true;

        // The 150 s delivery leases are given back when a takes b's partitions over (3 s lease).
        await UntilAsync(() => receiver.Received.Count >= ids.Count, "a to send what b had in flight");
        Assert.True(died.Elapsed < TimeSpan.FromSeconds(20), $"took {died.Elapsed}");
        Assert.Equal(ids.Order(), receiver.Received.Select(r => r.DeliveryId).Order());
        Assert.All(receiver.Received, r => Assert.Equal("a", r.Node));
        Assert.Contains(partition, a.Claimable);
    }

    [Fact]
    public async Task Deliver_MaxConcurrencyTwoAcrossThreeNodesWhileItsPartitionMoves_NeverMoreThanTwoInFlight()
    {
        await using var receiver = await ConcurrencyReceiver.StartAsync(TimeSpan.FromMilliseconds(30));

        // A webhook of the highest partition: the first one a busy node hands over when another joins.
        var id = Enumerable.Range(0, 10_000).Select(i => $"limited-{i}").First(w => LanePartitions.Of(w) == LanePartitions.Count - 1);
        await _cluster.AddWebhookAsync(new Webhook
        {
            Id = id,
            Url = receiver.Url,
            EventType = "assets",
            MaxConcurrency = 2,
            Secrets = [new WebhookSecretEntry("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)],
        });
        var a = await _cluster.StartNodeAsync("a", Quick);
        await UntilAsync(() => a.Claimable.Count == LanePartitions.Count, "the first node to own every partition");
        var ids = await _cluster.PublishAsync(id, 150);

        await UntilAsync(() => receiver.Received.Count >= 10, "the first node to be delivering");
        await _cluster.StartNodeAsync("b", Quick);
        await UntilAsync(() => receiver.Received.Count >= 50, "delivering to go on");
        await _cluster.StartNodeAsync("c", Quick);
        await UntilAsync(() => receiver.Received.Count >= ids.Count, "every delivery to arrive");

        Assert.InRange(receiver.MaxInFlight, 1, 2);
        var twice = receiver.Received.GroupBy(r => r.DeliveryId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join("+", g.Select(r => r.Node))}").ToList();
        Assert.True(twice.Count == 0, "sent more than once: " + string.Join("; ", twice));
        Assert.Equal(ids.Order(), receiver.Received.Select(r => r.DeliveryId).Order());
        var senders = receiver.Received.Select(r => r.Node).Distinct().Order().ToList();
        Assert.True(senders.Count >= 2, $"the webhook's lane never moved: only {string.Join(", ", senders)} sent");
    }

    [Fact]
    public async Task Deliver_OrderedByObjectWhileItsPartitionMoves_EachObjectInPublishOrder()
    {
        await using var receiver = await ConcurrencyReceiver.StartAsync(TimeSpan.FromMilliseconds(10));
        var id = Enumerable.Range(0, 10_000).Select(i => $"ordered-{i}").First(w => LanePartitions.Of(w) == LanePartitions.Count - 1);
        await _cluster.AddWebhookAsync(new Webhook
        {
            Id = id,
            Url = receiver.Url,
            EventType = "assets",
            Ordering = WebhookOrdering.Object,
            Secrets = [new WebhookSecretEntry("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)],
        });
        var a = await _cluster.StartNodeAsync("a", Quick);
        await UntilAsync(() => a.Claimable.Count == LanePartitions.Count, "the first node to own every partition");
        var ids = await _cluster.PublishAsync(id, 120, i => $"obj-{i % 4}");

        await UntilAsync(() => receiver.Received.Count >= 10, "the first node to be delivering");
        await _cluster.StartNodeAsync("b", Quick);
        await UntilAsync(() => receiver.Received.Count >= 50, "delivering to go on");
        await _cluster.StartNodeAsync("c", Quick);
        await UntilAsync(() => receiver.Received.Count >= ids.Count, "every delivery to arrive");

        // Publish order is the order of ids; object i % 4. Each object's deliveries arrive in it.
        var position = ids.Select((d, i) => (d, i)).ToDictionary(x => x.d, x => x.i);
        foreach (var group in receiver.Received.GroupBy(r => position[r.DeliveryId] % 4))
        {
            var order = group.Select(r => position[r.DeliveryId]).ToList();
            Assert.Equal(order.Order(), order);
        }

        Assert.Equal(ids.Count, receiver.Received.Select(r => r.DeliveryId).Distinct().Count());
        Assert.True(receiver.Received.Select(r => r.Node).Distinct().Count() >= 2, "the webhook's lane never moved");
    }

    /// <summary>The running nodes' claimable counts, in start order.</summary>
    private string Counts(IReadOnlyList<ClusterNode>? running = null) =>
        string.Join(",", (running ?? _cluster.Nodes).Select(n => n.Claimable.Count));

    /// <summary>Polls for <paramref name="condition"/>, and checks at every poll that no partition is claimable on two nodes.</summary>
    private async Task UntilAsync(Func<bool> condition, string what, IReadOnlyList<ClusterNode>? running = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var seen = new Dictionary<int, string>();
            foreach (var node in running ?? _cluster.Nodes)
            {
                foreach (var partition in node.Claimable)
                {
                    Assert.True(seen.TryAdd(partition, node.Name), $"partition {partition} is claimable on {node.Name} and {seen.GetValueOrDefault(partition)}");
                }
            }

            if (condition())
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Timed out waiting for {what}; claimable: {Counts(running)}");
            }

            await Task.Delay(20);
        }
    }
}
