using System.Globalization;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Issue 12: the cluster-wide jobs (retention, replay) run on one node at a time, through the
/// store's job leases; a node that stops gracefully hands its job over at once.
/// </summary>
public sealed partial class ClusterJobTests
{
    private static readonly Dictionary<string, string> TimestampedLogs = new()
    {
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
    };

    [Fact]
    public async Task Retention_TwoNodes_SweepsOnOneNodeAtATime()
    {
        // Each node would sweep every 2 s on its own. With the lease, sweeps of the cluster are at
        // least an interval apart, whichever node runs them; without it the two nodes' sweeps
        // interleave and some pair is at most 1 s apart.
        var interval = TimeSpan.FromSeconds(2);
        var environment = new Dictionary<string, string>(TimestampedLogs) { ["Herald__Retention__Interval"] = "00:00:02" };
        await using var cluster = await ClusterNodes.StartAsync(2, environment);

        await Eventually.TrueAsync(() => Sweeps(cluster).Count >= 6, TimeSpan.FromSeconds(60), "six retention sweeps in the cluster");
        var sweeps = Sweeps(cluster);
        for (var i = 1; i < sweeps.Count; i++)
        {
            var gap = sweeps[i].At - sweeps[i - 1].At;
            Assert.True(gap >= interval * 0.75, $"sweeps {gap.TotalMilliseconds:F0} ms apart (nodes {sweeps[i - 1].Node} and {sweeps[i].Node}):{Environment.NewLine}{cluster.Output}");
        }

        // The node sweeping now stops cleanly: it gives the lease back and the other takes over at its next tick.
        var holder = sweeps[^1].Node;
        var other = 1 - holder;
        var before = Sweeps(cluster).Count(s => s.Node == other);
        await cluster[holder].StopAsync();
        await Eventually.TrueAsync(() => Sweeps(cluster).Count(s => s.Node == other) > before, TimeSpan.FromSeconds(30), "the other node to sweep");
    }

    [Fact]
    public async Task Replay_TwoNodes_RunsOnOneNodeAndReplaysEachEventOnce()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["Herald__Replay__ChunkSize"] = "5",
            ["Herald__Replay__PollInterval"] = "00:00:01",
            ["Herald__Replay__ChunkPause"] = "00:00:00.050",
        };
        await using var cluster = await ClusterNodes.StartAsync(2, environment);
        var webhook = await cluster[0].Client.CreateWebhookAsync(new { name = "replayed", url = receiver.Url("/r"), event_type = "assets" });
        await Task.Delay(TimeSpan.FromSeconds(1));
        var from = DateTimeOffset.UtcNow.AddSeconds(-5);
        for (var i = 0; i < 40; i++)
        {
            await cluster[i % 2].Client.PublishAsync(RecoveryCalls.Event($"o{i}"));
        }

        await receiver.WaitForAsync(40, TimeSpan.FromSeconds(60));
        var job = await cluster[1].Client.ReplayAsync(webhook.Id(), new { since = from.ToString("O") });
        await cluster[0].Client.WaitForReplayAsync(job.Id(), "completed");

        // Each event twice: once published, once replayed; never replayed by both nodes.
        await Eventually.TrueAsync(() => receiver.Requests.Count >= 80, TimeSpan.FromSeconds(60), "80 requests");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var byObject = receiver.Requests.GroupBy(r => r.ObjectId()).ToDictionary(g => g.Key, g => g.Select(r => r.Header("webhook-id")).Distinct().Count());
        Assert.Equal(40, byObject.Count);
        Assert.All(byObject, pair => Assert.Equal(2, pair.Value));
        var completedOn = cluster.All.Select((n, i) => (Node: i, Count: Regex.Matches(n.Output, @"\[3001\]").Count)).Where(x => x.Count > 0).ToList();
        Assert.Single(completedOn);
    }

    /// <summary>Every retention sweep logged (event 3101) by the cluster's nodes, oldest first.</summary>
    private static List<(int Node, DateTimeOffset At)> Sweeps(ClusterNodes cluster) =>
        cluster.All
            .SelectMany((node, index) => SweepLine().Matches(node.Output).Select(m => (Node: index, At: DateTimeOffset.ParseExact(m.Groups[1].Value, "HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))))
            .OrderBy(s => s.At)
            .ToList();

    [GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d\d\d) info: Herald\.Delivery\.Recovery\.RetentionWorker\[3101\]", RegexOptions.Multiline)]
    private static partial Regex SweepLine();
}
