using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage.Tests.Contracts;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// Two nodes (two store sets, each with its own connection pool) draining one backlog at once, as a
/// cluster does: every delivery is leased to one node at a time and recorded once.
/// </summary>
public sealed class PostgresTwoNodeDeliveryTests : StoreContract<PostgresStoreProvider>
{
    private const int WebhookCount = 6;
    private const int PerWebhook = 60;

    protected override async Task SeedAsync()
    {
        for (var w = 0; w < WebhookCount; w++)
        {
            await InsertWebhookAsync($"w{w}");
        }

        var events = Enumerable.Range(0, PerWebhook).Select(i => NewEvent($"e{i:D3}", objectId: $"o{i % 7}")).ToList();
        var deliveries = events.SelectMany((e, i) => Enumerable.Range(0, WebhookCount).Select(w =>
            NewDelivery($"{e.Id}-w{w}", $"w{w}", e.Id, T0.AddMilliseconds(i), e.Event.ObjectId) with { Ordered = w % 2 == 0 })).ToList();
        await Events.IngestAsync(new IngestBatch(events, deliveries, null, null, T0), None);
    }

    [Fact]
    public async Task ClaimAndComplete_TwoNodesDrainOneBacklog_EachDeliverySucceedsOnceAndNoRecordIgnored()
    {
        await using var nodeB = await Stores.OpenAgainAsync();
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var overlaps = 0;

        async Task<int> DrainAsync(IDeliveryStore store, string owner)
        {
            var completed = 0;
            var idle = 0;
            while (idle < 3)
            {
                var claimed = await store.ClaimDueAsync(new ClaimRequest(owner, T0.AddSeconds(1), Lease, 24, new Dictionary<string, int>(), 8), None);
                if (claimed.Count == 0)
                {
                    idle++;
                    await Task.Delay(20);
                    continue;
                }

                idle = 0;
                foreach (var delivery in claimed)
                {
                    // An ordered webhook never has two deliveries of one object out at once, across both nodes.
                    if (delivery.WebhookId is "w0" or "w2" or "w4" && !inFlight.TryAdd($"{delivery.WebhookId}/{delivery.ObjectId}", delivery.Id))
                    {
                        Interlocked.Increment(ref overlaps);
                    }
                }

                // The attempts are "in flight" for a moment, then the object's next one may go.
                await Task.Delay(10);
                foreach (var delivery in claimed)
                {
                    inFlight.TryRemove($"{delivery.WebhookId}/{delivery.ObjectId}", out _);
                }

                var result = await store.CompleteAsync(
                    claimed.Select(c => new AttemptRecord(c.Id, c.WebhookId, c.AttemptCount + 1, T0.AddSeconds(1), 200, 3, null, null, true, null, c.LeaseUntil)).ToList(),
                    T0.AddSeconds(1),
                    DisableAfter,
                    None);
                Assert.Empty(result.Ignored);
                completed += claimed.Count;
            }

            return completed;
        }

        var counts = await Task.WhenAll(Task.Run(() => DrainAsync(Deliveries, "node-a")), Task.Run(() => DrainAsync(nodeB.Deliveries, "node-b")));

        Assert.Equal(WebhookCount * PerWebhook, counts.Sum());
        Assert.Equal(0, overlaps);
        var all = await ListAllAsync();
        Assert.Equal(WebhookCount * PerWebhook, all.Count);
        Assert.All(all, d => Assert.Equal((DeliveryStatus.Succeeded, 1), (d.Status, d.AttemptCount)));
        for (var w = 0; w < WebhookCount; w++)
        {
            Assert.Equal(WebhookStatus.Enabled, (await GetWebhookAsync($"w{w}")).Status);
        }
    }
}
