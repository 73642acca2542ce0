using System.Collections.Concurrent;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>Isolation, ordering and operational events of the delivery engine.</summary>
public sealed class EngineTests
{
    private static string Proxy(string objectId, int sequence) =>
        "{\"event_type\":\"assets\",\"realm\":\"proxies\",\"operation\":\"update\",\"object_id\":\"" + objectId + "\",\"data\":{\"sequence\":" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}";

    [Fact]
    public async Task HangingTarget_DoesNotHoldUpHealthyOne()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using var release = new CancellationTokenSource();
        // The target hangs without holding a thread: a blocked thread here would starve the thread
        // pool that this in-process Herald shares, which no real (out-of-process) target can do.
        receiver.RespondAsync = async r =>
        {
            if (r.Path == "/hang")
            {
                await Task.Delay(TimeSpan.FromSeconds(10), release.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return 200;
        };
        await using var herald = await HeraldHost.StartAsync();
        var hanging = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/hang"), timeout_seconds = 2, retry_schedule = Array.Empty<int>() })).GetProperty("id").GetString();
        var healthy = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/ok") })).GetProperty("id").GetString();

        await herald.Client.PublishAsync("[" + string.Join(",", Enumerable.Range(0, 60).Select(i => Proxy($"obj-{i}", i))) + "]");

        // All 60 healthy deliveries finish while the hanging target holds at most its 16 slots.
        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={healthy}&status=succeeded&limit=1000")).GetProperty("objects").GetArrayLength() == 60, TimeSpan.FromSeconds(20));
        var hangingDone = (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={hanging}&status=failed&limit=1000")).GetProperty("objects").GetArrayLength();
        Assert.True(hangingDone <= 16, $"{hangingDone} hanging deliveries already timed out");
        Assert.True(receiver.Requests.Count(r => r.Path == "/hang") <= 16, "more than 16 requests in flight to the hanging target");

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={hanging}&status=failed&limit=1000")).GetProperty("objects").GetArrayLength() >= 1, TimeSpan.FromSeconds(20));
        var failed = (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={hanging}&status=failed")).GetProperty("objects")[0].GetProperty("id").GetString();
        Assert.Equal("timed out after 2 s", (await herald.Client.GetAsync($"api/v1/deliveries/{failed}")).GetProperty("attempts")[0].GetProperty("error").GetString());
        await release.CancelAsync();
    }

    [Fact]
    public async Task GlobalLimitFull_AnotherWebhooksDeliveryStillGetsASlot()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondAsync = async r =>
        {
            await Task.Delay(r.Path == "/busy" ? 20 : 0);
            return 200;
        };
        var settings = new Dictionary<string, string?> { ["Herald:Dispatcher:MaxConcurrency"] = "2" };
        await using var herald = await HeraldHost.StartAsync(settings: settings);
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/busy") });
        await herald.Client.PublishAsync("[" + string.Join(",", Enumerable.Range(0, 200).Select(i => Proxy($"obj-{i}", i))) + "]");
        await receiver.WaitForAsync(4);
        await herald.Client.CreateWebhookAsync(new { event_type = "media", url = receiver.Url("/quiet") });

        await herald.Client.PublishAsync("{\"event_type\":\"media\",\"operation\":\"create\",\"object_id\":\"m1\",\"data\":{}}");

        // Both global slots belong to the busy webhook (200 x 20 ms at 2 at a time: 2 s of work);
        // a slot hands itself back when it finishes, so the quiet one is sent long before that.
        await Eventually.TrueAsync(() => Task.FromResult(receiver.Requests.Any(r => r.Path == "/quiet")), TimeSpan.FromSeconds(10));
        Assert.True(receiver.Requests.Count(r => r.Path == "/busy") < 150, "the quiet webhook waited for the busy one's backlog");
    }

    [Fact]
    public async Task OrderingObject_FirstAttemptOfEveryObjectFails_EachObjectStillInPublishOrder()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var seen = new ConcurrentDictionary<string, byte>();
        var inFlight = new ConcurrentDictionary<string, int>();
        var overlaps = 0;
        receiver.Respond = r =>
        {
            using var body = JsonDocument.Parse(r.Body);
            var objectId = body.RootElement.GetProperty("object_id").GetString()!;
            if (inFlight.AddOrUpdate(objectId, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            Thread.Sleep(5);
            inFlight.AddOrUpdate(objectId, 0, (_, n) => n - 1);
            return seen.TryAdd(objectId + "#first", 0) ? 500 : 200;
        };
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/ordered"), ordering = "object", retry_schedule = new[] { 1, 1, 1 } })).GetProperty("id").GetString();
        var objects = new[] { "a", "b", "c" };

        // Interleaved publishes, some in one array, some one by one.
        await herald.Client.PublishAsync("[" + string.Join(",", objects.Select(o => Proxy(o, 1))) + "]");
        for (var sequence = 2; sequence <= 5; sequence++)
        {
            foreach (var o in objects)
            {
                await herald.Client.PublishAsync(Proxy(o, sequence));
            }
        }

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}&status=succeeded&limit=1000")).GetProperty("objects").GetArrayLength() == 15, TimeSpan.FromSeconds(30));
        foreach (var o in objects)
        {
            var sequences = receiver.Requests
                .Select(r => JsonDocument.Parse(r.Body).RootElement)
                .Where(e => e.GetProperty("object_id").GetString() == o)
                .Select(e => e.GetProperty("data").GetProperty("sequence").GetInt32())
                .ToList();
            Assert.Equal([1, 1, 2, 3, 4, 5], sequences);
        }

        Assert.Equal(0, overlaps);
        Assert.Equal("object", (await herald.Client.GetAsync($"api/v1/webhooks/{id}")).GetProperty("ordering").GetString());
    }

    [Fact]
    public async Task OrderingObject_Replay_ReplayedDeliveriesStayInOrderPerObject()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var failed = new ConcurrentDictionary<string, byte>();
        var replaying = false;
        receiver.Respond = r =>
        {
            // During the replay, the first attempt of every (object, sequence) fails once.
            using var body = JsonDocument.Parse(r.Body);
            var key = body.RootElement.GetProperty("object_id").GetString() + "#" + body.RootElement.GetProperty("data").GetProperty("sequence").GetInt32();
            return Volatile.Read(ref replaying) && failed.TryAdd(key, 0) ? 500 : 200;
        };
        await using var herald = await HeraldHost.StartAsync();
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var id = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/ordered"), ordering = "object", retry_schedule = new[] { 1, 1 } })).GetProperty("id").GetString();
        for (var sequence = 1; sequence <= 3; sequence++)
        {
            await herald.Client.PublishAsync(Proxy("x", sequence));
        }

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}&status=succeeded")).GetProperty("objects").GetArrayLength() == 3);
        Volatile.Write(ref replaying, true);
        await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{id}/replay", JsonSerializer.Serialize(new { since }), System.Net.HttpStatusCode.Accepted);

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}&status=succeeded")).GetProperty("objects").GetArrayLength() == 6, TimeSpan.FromSeconds(30));
        var sequences = receiver.Requests.Skip(3).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("sequence").GetInt32()).ToList();
        Assert.Equal([1, 1, 2, 2, 3, 3], sequences);
    }

    [Fact]
    public async Task OperationalEvents_FailingRecoveredExhausted_DeliveredToHeraldSubscribers()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var failNext = 1;
        receiver.Respond = r => r.Path switch
        {
            "/flaky" => Interlocked.Exchange(ref failNext, 0) == 1 ? 500 : 200,
            "/dead" => 500,
            _ => 200,
        };
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { event_type = "herald", url = receiver.Url("/ops") });
        var flaky = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", realm = "proxies", url = receiver.Url("/flaky"), retry_schedule = new[] { 1 } })).GetProperty("id").GetString();
        var dead = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", realm = "entity", url = receiver.Url("/dead"), retry_schedule = Array.Empty<int>() })).GetProperty("id").GetString();

        await herald.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));
        await herald.Client.PublishAsync(Seeds.Read("blog-entity-create.json"));

        await Eventually.TrueAsync(() => Kinds(receiver).Count >= 4, TimeSpan.FromSeconds(20), "four operational events");
        var kinds = Kinds(receiver);
        Assert.Contains(("webhook.failing", flaky), kinds);
        Assert.Contains(("webhook.recovered", flaky), kinds);
        Assert.Contains(("webhook.failing", dead), kinds);
        Assert.Contains(("delivery.exhausted", dead), kinds);
        var exhausted = receiver.Requests.Where(r => r.Path == "/ops").Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(e => e.GetProperty("data").GetProperty("kind").GetString() == "delivery.exhausted");
        Assert.Equal("herald", exhausted.GetProperty("event_type").GetString());
        Assert.Equal("delivery", exhausted.GetProperty("realm").GetString());
        Assert.Equal("HTTP 500", exhausted.GetProperty("data").GetProperty("last_error").GetString());
        Assert.Equal("herald.delivery.update", receiver.Requests.First(r => r.Path == "/ops" && r.BodyText.Contains("delivery.exhausted", StringComparison.Ordinal)).Header("X-Webhook-Event"));
    }

    [Fact]
    public async Task Circuit_DeadEndpoint_StopsClaimingAfterThreshold()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 500;
        await using var herald = await HeraldHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Herald:Dispatcher:CircuitFailureThreshold"] = "3",
            ["Herald:Dispatcher:CircuitOpenFor"] = "00:01:00",
            ["Herald:Dispatcher:PerWebhookConcurrency"] = "1",
        });
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/down"), retry_schedule = Array.Empty<int>() });

        await herald.Client.PublishAsync("[" + string.Join(",", Enumerable.Range(0, 10).Select(i => Proxy($"o{i}", i))) + "]");

        // Settled: three failed, and the other seven back in the store unleased (a leased delivery
        // shows no next_attempt_at) — given back when the circuit opened, or never claimed.
        await receiver.WaitForAsync(3);
        await Eventually.TrueAsync(async () =>
        {
            var failed = (await herald.Client.GetAsync("api/v1/deliveries?status=failed")).GetProperty("objects").GetArrayLength();
            var pending = (await herald.Client.GetAsync("api/v1/deliveries?status=pending")).GetProperty("objects").EnumerateArray().ToList();
            return failed == 3 && pending.Count == 7 && pending.All(d => d.GetProperty("next_attempt_at").ValueKind == JsonValueKind.String);
        }, what: "three failed and seven pending, none leased");
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task RateLimit_TwoPerSecond_SpreadsDeliveries()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var webhook = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/rl"), rate_limit = 2 });
        Assert.Equal(2, webhook.GetProperty("rate_limit").GetDouble());

        await herald.Client.PublishAsync("[" + string.Join(",", Enumerable.Range(0, 6).Select(i => Proxy($"o{i}", i))) + "]");

        var requests = await receiver.WaitForAsync(6, TimeSpan.FromSeconds(20));
        var span = requests[^1].ReceivedAt - requests[0].ReceivedAt;
        Assert.True(span >= TimeSpan.FromSeconds(1.5), $"6 deliveries at 2/s took only {span.TotalSeconds:F2} s");
    }

    private static List<(string Kind, string? WebhookId)> Kinds(TestReceiver receiver) =>
        receiver.Requests.Where(r => r.Path == "/ops")
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data"))
            .Select(d => (d.GetProperty("kind").GetString()!, d.GetProperty("webhook_id").GetString()))
            .ToList();
}
