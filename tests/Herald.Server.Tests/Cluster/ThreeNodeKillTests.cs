using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Issue 12, "Done when": three Herald processes on one PostgreSQL database, 5,000 events published
/// spread over them, one node SIGKILLed mid-run. Every delivery arrives, duplicates are only attempts
/// the dead node had in flight, a <c>max_concurrency: 2</c> webhook never has more than 2 requests at
/// its receiver across the cluster, and an <c>ordering: "object"</c> webhook gets each object's events
/// in publish order.
/// </summary>
public sealed class ThreeNodeKillTests(ITestOutputHelper output)
{
    private const int OrderedObjects = 40;
    private const int EventsPerObject = 10;
    private const int LimitedEvents = 400;
    private const int PlainEvents = 5_000 - LimitedEvents - (OrderedObjects * EventsPerObject);
    private const int BatchSize = 50;

    /// <summary>
    /// What the killed node could have sent without recording it: its lanes' limits (16 for the
    /// default webhook, 2, one per ordered object) and one attempt-record batch (512) not yet written.
    /// </summary>
    private const int DuplicateBound = 16 + 2 + OrderedObjects + 512;

    [Fact]
    public async Task Cluster_NodeKilledMidRun_EveryDeliveryArrivesWithLimitsAndOrderHeld()
    {
        var clock = Stopwatch.StartNew();
        await using var receiver = await CountingReceiver.StartAsync();
        receiver.Delay("/limited", TimeSpan.FromMilliseconds(20));
        receiver.Delay("/ordered", TimeSpan.FromMilliseconds(5));
        await using var cluster = await ClusterNodes.StartAsync(3);
        output.WriteLine($"three nodes ready after {clock.Elapsed.TotalSeconds:F1} s");

        // The partitions spread over the three nodes first (the first node started with all of them)
        // and settle: every partition held, none by a node over its fair share (ceil(256 / 3) = 86).
        // Until then the first node is still handing its surplus over, and a webhook picked on it
        // below could move before the kill.
        const int Partitions = Herald.Core.Deliveries.LanePartitions.Count;
        const int FairShare = (Partitions + 2) / 3;
        await Eventually.TrueAsync(
            async () => await cluster.Database.ScalarAsync<bool>(
                $"""
                SELECT count(*) = 3 AND sum(held) = {Partitions} AND max(held) <= {FairShare} FROM (
                    SELECT owner, count(*) AS held FROM partition_leases WHERE owner IS NOT NULL AND expires_at > {NowMs} GROUP BY owner) o
                """),
            TimeSpan.FromSeconds(60),
            "the partitions to settle over three nodes");

        // The three webhooks are made to land on one node, the one that will be killed, so the kill
        // takes all three lanes with work in flight: each must move to another node, lose nothing,
        // and keep its limit and its order there. (A webhook's partition follows from its id, so a
        // candidate on another node is deleted and made again.)
        var webhooks = new Dictionary<string, string>(StringComparer.Ordinal);
        webhooks["all"] = (await cluster[0].Client.CreateWebhookAsync(new { name = "all", url = receiver.Url("/all"), event_type = "assets" })).Id();
        var victimPid = await OwnerPidAsync(cluster, webhooks["all"]);
        webhooks["limited"] = await CreateOnNodeAsync(cluster, victimPid, new { name = "limited", url = receiver.Url("/limited"), event_type = "assets", query = "data.kind=\"limited\"", max_concurrency = 2 });
        webhooks["ordered"] = await CreateOnNodeAsync(cluster, victimPid, new { name = "ordered", url = receiver.Url("/ordered"), event_type = "assets", query = "data.kind=\"ordered\"", ordering = "object" });
        var victim = cluster.All.Single(n => n.Id == victimPid);
        // Every node's registry follows the change notices within a second.
        await Task.Delay(TimeSpan.FromSeconds(1));

        var publishing = Task.WhenAll(PublishBatchesAsync(cluster), PublishOrderedAsync(cluster));
        const int expectedTotal = 5_000 + LimitedEvents + (OrderedObjects * EventsPerObject);
        await Eventually.TrueAsync(() => receiver.Count >= expectedTotal / 4, TimeSpan.FromSeconds(90), "a quarter of the deliveries before the kill");
        var owners = await Task.WhenAll(webhooks.Values.Select(id => OwnerPidAsync(cluster, id)));
        Assert.All(owners, pid => Assert.Equal(victimPid, pid));
        await victim.KillAsync();
        var killedAt = Stopwatch.GetTimestamp();
        output.WriteLine($"node pid {victim.Id}, sending for all three webhooks, killed at {clock.Elapsed.TotalSeconds:F1} s with {receiver.Count:N0} of {expectedTotal:N0} requests received");
        var api = cluster.All.First(n => !n.HasExited).Client;

        await publishing;
        output.WriteLine($"publishing done at {clock.Elapsed.TotalSeconds:F1} s");
        await Eventually.TrueAsync(
            () => Expected().All(e => Received(receiver, e.Path).IsSupersetOf(e.Keys)),
            TimeSpan.FromSeconds(120),
            "every delivery to arrive");
        // The store agrees: nothing is left pending anywhere.
        await Eventually.TrueAsync(
            async () => (await api.GetAsync("api/v1/deliveries?status=pending&limit=1")).GetProperty("objects").GetArrayLength() == 0,
            TimeSpan.FromSeconds(60),
            "no pending deliveries");
        output.WriteLine($"all delivered at {clock.Elapsed.TotalSeconds:F1} s");
        var receipts = receiver.Receipts;

        // None lost, nothing extra: each path got exactly its events, one delivery id per event.
        foreach (var (path, keys) in Expected())
        {
            var onPath = receipts.Where(r => r.Path == path).ToList();
            Assert.True(keys.SetEquals(onPath.Select(Key)), $"{path}: {keys.Except(onPath.Select(Key)).Count()} missing, {onPath.Select(Key).Except(keys).Count()} unexpected");
            Assert.Equal(keys.Count, onPath.Select(r => r.WebhookId).Distinct().Count());
        }

        // Duplicates: only attempts the killed node had made and not recorded, each sent once more.
        var duplicates = receipts.GroupBy(r => r.WebhookId).Where(g => g.Count() > 1).ToList();
        output.WriteLine($"{receipts.Count:N0} requests for {expectedTotal:N0} deliveries: {duplicates.Count} sent twice ({string.Join(", ", duplicates.GroupBy(d => d.First().Path).Select(g => $"{g.Key} {g.Count()}"))})");
        Assert.All(duplicates, d =>
        {
            Assert.Equal(2, d.Count());
            Assert.True(d.Min(r => r.ReceivedTicks) <= killedAt, $"delivery {d.Key} was first received after the kill, then again");
        });
        Assert.InRange(duplicates.Count, 0, DuplicateBound);

        // max_concurrency 2 held across the three nodes (and was reached: the lane really ran).
        output.WriteLine($"most requests in flight: /limited {receiver.MaxInFlight("/limited")}, /ordered {receiver.MaxInFlight("/ordered")}, /all {receiver.MaxInFlight("/all")}");
        Assert.Equal(2, receiver.MaxInFlight("/limited"));

        // Each object's events in publish order; a resend of the attempt in flight at the kill comes
        // right after itself, before the next event of the object.
        foreach (var objectReceipts in receipts.Where(r => r.Path == "/ordered").GroupBy(r => r.ObjectId))
        {
            var seqs = objectReceipts.Select(r => r.Seq).ToList();
            var collapsed = seqs.Where((s, i) => i == 0 || s != seqs[i - 1]).ToList();
            Assert.True(collapsed.SequenceEqual(Enumerable.Range(0, EventsPerObject)), $"{objectReceipts.Key} received {string.Join(",", seqs)}");
        }

        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"took {clock.Elapsed}");
    }

    private const string NowMs = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

    /// <summary>
    /// The process id of the node that holds the partition of a webhook. A node's id is
    /// <c>{machine}-{pid}-{guid}</c> (<c>DispatcherOptions.NodeId</c>).
    /// </summary>
    private static async Task<int> OwnerPidAsync(ClusterNodes cluster, string webhookId)
    {
        var owner = await cluster.Database.ScalarAsync<string>(
            $"SELECT p.owner FROM partition_leases p JOIN webhooks w ON w.lane_partition = p.partition WHERE w.id = '{webhookId}' AND p.expires_at > {NowMs}");
        var parts = owner?.Split('-') ?? [];
        return parts.Length >= 3 && int.TryParse(parts[^2], out var pid) ? pid : -1;
    }

    /// <summary>Creates the webhook again until its partition is held by the node <paramref name="pid"/>; its id.</summary>
    private static async Task<string> CreateOnNodeAsync(ClusterNodes cluster, int pid, object definition)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var id = (await cluster[0].Client.CreateWebhookAsync(definition)).Id();
            if (await OwnerPidAsync(cluster, id) == pid)
            {
                return id;
            }

            await cluster[0].Client.JsonAsync(HttpMethod.Delete, $"api/v1/webhooks/{id}", expected: HttpStatusCode.NoContent);
        }

        throw new InvalidOperationException($"no webhook landed on node {pid} in 60 tries");
    }

    private static IEnumerable<(string Path, HashSet<string> Keys)> Expected()
    {
        var plain = Enumerable.Range(0, PlainEvents).Select(i => $"p-{i}/{i}");
        var limited = Enumerable.Range(0, LimitedEvents).Select(i => $"l-{i}/{i}");
        var ordered = Enumerable.Range(0, OrderedObjects).SelectMany(o => Enumerable.Range(0, EventsPerObject).Select(k => $"obj-{o}/{k}"));
        yield return ("/all", [.. plain, .. limited, .. ordered]);
        yield return ("/limited", [.. limited]);
        yield return ("/ordered", [.. ordered]);
    }

    private static string Key(Receipt receipt) => $"{receipt.ObjectId}/{receipt.Seq}";

    private static HashSet<string> Received(CountingReceiver receiver, string path) =>
        [.. receiver.Receipts.Where(r => r.Path == path).Select(Key)];

    private static string Event(string objectId, string kind, int seq) =>
        JsonSerializer.Serialize(new { event_type = "assets", operation = "update", object_id = objectId, data = new { kind, seq } });

    /// <summary>Plain and limited events in batches of 50, four requests at a time, each to the next node.</summary>
    private static async Task PublishBatchesAsync(ClusterNodes cluster)
    {
        var events = Enumerable.Range(0, PlainEvents).Select(i => Event($"p-{i}", "plain", i))
            .Concat(Enumerable.Range(0, LimitedEvents).Select(i => Event($"l-{i}", "limited", i)))
            .OrderBy(e => e.GetHashCode() & 0xff) // limited events spread through the run
            .Chunk(BatchSize)
            .Select((chunk, i) => (Index: i, Body: "[" + string.Join(",", chunk) + "]"))
            .ToList();
        var queue = new ConcurrentQueue<(int Index, string Body)>(events);
        var workers = Enumerable.Range(0, 4).Select(async _ =>
        {
            while (queue.TryDequeue(out var batch))
            {
                await PublishAsync(cluster, batch.Index, batch.Body, $"batch-{batch.Index}");
            }
        });
        await Task.WhenAll(workers);
    }

    /// <summary>Each ordered object's events one after another, alternating nodes; objects in parallel.</summary>
    private static Task PublishOrderedAsync(ClusterNodes cluster) =>
        Task.WhenAll(Enumerable.Range(0, OrderedObjects).Select(async o =>
        {
            for (var k = 0; k < EventsPerObject; k++)
            {
                await PublishAsync(cluster, o + k, Event($"obj-{o}", "ordered", k), $"ordered-{o}-{k}");
            }
        }));

    /// <summary>
    /// Publishes to node <paramref name="turn"/> mod 3; when that node is gone (or dies mid-request)
    /// the same request goes to the next one with the same idempotency key, so it is stored once.
    /// </summary>
    private static async Task PublishAsync(ClusterNodes cluster, int turn, string body, string idempotencyKey)
    {
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey };
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var node = cluster[(turn + attempt) % cluster.All.Count];
            if (node.HasExited)
            {
                continue;
            }

            try
            {
                using var response = await node.Client.SendAsync(HttpMethod.Post, "api/v1/events", body, headers);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // The node died under the request: try the next one.
            }
            catch (TaskCanceledException)
            {
                // Timed out: the same.
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"publishing {idempotencyKey} failed on every node");
    }
}
