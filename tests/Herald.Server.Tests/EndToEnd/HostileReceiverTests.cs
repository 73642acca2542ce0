using System.Diagnostics;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>
/// Receivers that hang, trickle, flood, reset or speak garbage, against Herald as its own process:
/// every attempt ends in a recorded failed attempt within the webhook's timeout, Herald's memory
/// stays bounded, and a healthy webhook on the same events is not slowed down.
/// </summary>
public sealed class HostileReceiverTests(ITestOutputHelper output)
{
    private const int TimeoutSeconds = 3;
    private const int Rounds = 3;

    [Fact]
    public async Task HostileReceivers_EveryBehaviour_RecordedFailedAttemptBoundedMemoryHealthyWebhookOnTime()
    {
        await using var hostile = new HostileReceiver();
        await using var healthy = await TestReceiver.StartAsync();
        using var herald = await HeraldProcess.StartAsync(TempDatabase.NewPath());

        // Warm up the send path on its own event type, so the memory baseline includes the JIT.
        await herald.Client.CreateWebhookAsync(new { url = healthy.Url("/warmup"), event_type = "warmup" });
        for (var i = 0; i < 3; i++)
        {
            await herald.Client.PublishAsync("""{"event_type":"warmup","operation":"update","data":{}}""");
        }

        await healthy.WaitForAsync(3);

        var webhooks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var behaviour in HostileReceiver.Behaviours)
        {
            var created = await herald.Client.CreateWebhookAsync(new
            {
                name = behaviour, url = hostile.Url(behaviour), event_type = "assets", timeout_seconds = TimeoutSeconds, retry_schedule = new[] { 3600 },
            });
            webhooks[behaviour] = created.GetProperty("id").GetString()!;
        }

        await herald.Client.CreateWebhookAsync(new { url = healthy.Url("/healthy"), event_type = "assets" });
        var baseline = herald.RssBytes();

        var latencies = new List<TimeSpan>();
        for (var round = 1; round <= Rounds; round++)
        {
            var published = Stopwatch.StartNew();
            await herald.Client.PublishAsync(Event(round));

            // The healthy webhook's delivery arrives while the hostile ones still hang.
            await Eventually.TrueAsync(() => healthy.Requests.Count(r => r.Path == "/healthy") == round, TimeSpan.FromSeconds(TimeoutSeconds), "the healthy delivery, before any hostile attempt could time out");
            latencies.Add(published.Elapsed);

            // Every hostile attempt is recorded as failed, with an error, within its timeout.
            await Eventually.TrueAsync(async () => await AttemptsRecordedAsync(herald, webhooks.Values, round), TimeSpan.FromSeconds(TimeoutSeconds + 20), $"round {round}'s attempts to be recorded");
            var settled = published.Elapsed;
            output.WriteLine($"round {round}: healthy delivered after {latencies[^1].TotalMilliseconds:F0} ms; all {webhooks.Count} hostile attempts recorded after {settled.TotalMilliseconds:F0} ms; RSS {herald.RssBytes() >> 20} MiB");
        }

        foreach (var (behaviour, id) in webhooks)
        {
            var deliveries = (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}")).GetProperty("objects").EnumerateArray().ToList();
            Assert.Equal(Rounds, deliveries.Count);
            foreach (var listed in deliveries)
            {
                var delivery = await herald.Client.GetAsync($"api/v1/deliveries/{listed.GetProperty("id").GetString()}");
                var attempt = Assert.Single(delivery.GetProperty("attempts").EnumerateArray());
                var error = attempt.GetProperty("error").GetString();
                Assert.False(string.IsNullOrEmpty(error), $"{behaviour}: no error recorded");
                Assert.True(attempt.GetProperty("duration_ms").GetDouble() < (TimeoutSeconds + 2) * 1000, $"{behaviour}: took {attempt.GetProperty("duration_ms").GetDouble()} ms");
                Assert.Equal(1, delivery.GetProperty("attempt_count").GetInt32());
                Assert.Equal("pending", delivery.GetProperty("status").GetString());
                Assert.Equal(JsonValueKind.String, delivery.GetProperty("next_attempt_at").ValueKind);
                if (attempt.GetProperty("response_body").ValueKind == JsonValueKind.String)
                {
                    Assert.InRange(attempt.GetProperty("response_body").GetString()!.Length, 0, 4096);
                }
            }

            var webhook = await herald.Client.GetAsync($"api/v1/webhooks/{id}");
            Assert.Equal("FAILING", webhook.GetProperty("status").GetString());
            var lastError = webhook.GetProperty("last_error").GetString();
            Assert.False(string.IsNullOrEmpty(lastError));
            output.WriteLine($"{behaviour,-22} {lastError}");
        }

        var peak = herald.PeakRssBytes();
        output.WriteLine($"RSS baseline {baseline >> 20} MiB, peak {peak >> 20} MiB (+{(peak - baseline) >> 20} MiB) over {Rounds} rounds with a 50 MB and an endless body each");
        output.WriteLine($"healthy latency: {string.Join(", ", latencies.Select(l => $"{l.TotalMilliseconds:F0} ms"))}");

        // Reading a 50 MB body whole would cost at least 50 MB (100 MB as a string) in one round.
        Assert.True(peak - baseline < 40L << 20, $"Herald's peak RSS grew by {(peak - baseline) >> 20} MiB");
        Assert.All(latencies, l => Assert.True(l < TimeSpan.FromSeconds(TimeoutSeconds), $"healthy delivery took {l.TotalMilliseconds:F0} ms"));
    }

    private static string Event(int round) =>
        $$$"""{"event_type":"assets","realm":"proxies","operation":"update","object_id":"round-{{{round}}}","data":{"status":"CLOSED"}}""";

    /// <summary>Whether each of the webhooks has <paramref name="count"/> deliveries, each with its attempt recorded.</summary>
    private static async Task<bool> AttemptsRecordedAsync(HeraldProcess herald, IEnumerable<string> webhookIds, int count)
    {
        foreach (var id in webhookIds)
        {
            var deliveries = (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}")).GetProperty("objects").EnumerateArray().ToList();
            if (deliveries.Count < count || deliveries.Any(d => d.GetProperty("attempt_count").GetInt32() < 1))
            {
                return false;
            }
        }

        return true;
    }
}
