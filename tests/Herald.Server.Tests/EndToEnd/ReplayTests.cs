using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using static Herald.Server.Tests.Infrastructure.RecoveryCalls;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>PRODUCT.md §5: a webhook's gap is recovered by replay; replays are durable jobs.</summary>
public sealed class ReplayTests
{
    [Fact]
    public async Task Replay_AfterWebhookWasDisabled_EventsOfTheGapDeliveredOnce()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/r"), event_type = "assets" })).Id();

        await herald.Client.PublishAsync(Event("before"));
        await receiver.WaitForAsync(1);
        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"status":"DISABLED"}""");
        await herald.Client.PublishAsync(Event("gap-1"));
        await herald.Client.PublishAsync(Event("gap-2"));
        Assert.Single(await herald.Client.DeliveriesAsync(id));
        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"status":"ENABLED"}""");
        await herald.Client.PublishAsync(Event("after"));
        await receiver.WaitForAsync(2);

        // The range, from the server's own times: just after "before" was stored, up to "after" (exclusive).
        var stored = (await herald.Client.DeliveriesAsync(id)).ToDictionary(d => d.GetProperty("date_created").GetDateTimeOffset(), d => d);
        var since = stored.Keys.Min().AddMilliseconds(1);
        var until = stored.Keys.Max();
        var job = await herald.Client.ReplayAsync(id, new { since, until });
        Assert.Equal(("running", id, false), (job.GetProperty("status").GetString(), job.GetProperty("webhook_id").GetString(), job.GetProperty("only_failed").GetBoolean()));

        var done = await herald.Client.WaitForReplayAsync(job.Id(), "completed");
        Assert.Equal((2, 2), (done.GetProperty("events_scanned").GetInt32(), done.GetProperty("deliveries_created").GetInt32()));
        await herald.Client.WaitForDeliveriesAsync(id, "succeeded", 4);
        Assert.Equal(["after", "before", "gap-1", "gap-2"], receiver.Requests.Select(r => r.ObjectId()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Replay_WebhookWithQuery_CreatesDeliveriesOnlyForEventsTheQueryMatches()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/q"), event_type = "assets", query = "data.status=\"CLOSED\"", status = "DISABLED" })).Id();
        foreach (var (objectId, status) in new[] { ("closed-1", "CLOSED"), ("open-1", "OPEN"), ("closed-2", "CLOSED"), ("open-2", "OPEN") })
        {
            await herald.Client.PublishAsync(JsonSerializer.Serialize(new { event_type = "assets", operation = "update", object_id = objectId, data = new { status } }));
        }

        Assert.Empty(await herald.Client.DeliveriesAsync(id));
        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"status":"ENABLED"}""");

        var job = await herald.Client.ReplayAsync(id, new { since = start });
        var done = await herald.Client.WaitForReplayAsync(job.Id(), "completed");

        Assert.Equal((4, 2), (done.GetProperty("events_scanned").GetInt32(), done.GetProperty("deliveries_created").GetInt32()));
        await herald.Client.WaitForDeliveriesAsync(id, "succeeded", 2);
        Assert.Equal(2, (await herald.Client.DeliveriesAsync(id)).Count);
        Assert.Equal(["closed-1", "closed-2"], receiver.Requests.Select(r => r.ObjectId()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Replay_OnlyFailed_ResendsTheFailedDeliveriesUnderTheirOwnIds()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = r => r.ObjectId().StartsWith("bad", StringComparison.Ordinal) ? 500 : 200;
        await using var herald = await HeraldHost.StartAsync();
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/r"), event_type = "assets", retry_schedule = Array.Empty<int>() })).Id();
        foreach (var name in new[] { "good", "bad-1", "bad-2" })
        {
            await herald.Client.PublishAsync(Event(name));
        }

        await herald.Client.WaitForDeliveriesAsync(id, "failed", 2);
        await herald.Client.WaitForDeliveriesAsync(id, "succeeded", 1);
        var failedIds = (await herald.Client.DeliveriesAsync(id, "failed")).Select(d => d.Id()).ToHashSet();
        receiver.Respond = _ => 200;

        var job = await herald.Client.ReplayAsync(id, new { since = start, only_failed = true });
        var done = await herald.Client.WaitForReplayAsync(job.Id(), "completed");

        Assert.Equal((2, 2), (done.GetProperty("events_scanned").GetInt32(), done.GetProperty("deliveries_created").GetInt32()));
        await herald.Client.WaitForDeliveriesAsync(id, "succeeded", 3);
        Assert.Equal(3, (await herald.Client.DeliveriesAsync(id)).Count);
        var resent = receiver.Requests.Skip(3).ToList();
        Assert.Equal(failedIds, resent.Select(r => r.Header("webhook-id")).ToHashSet());
        Assert.Equal(["bad-1", "bad-2"], resent.Select(r => r.ObjectId()).Order(StringComparer.Ordinal));
        Assert.All(resent, r => Assert.Equal("2", r.Header("X-Webhook-Attempt")));
    }

    [Fact]
    public async Task Replay_HostStoppedMidJob_NextHostOnTheSameDatabaseFinishesIt()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var database = TempDatabase.NewPath();
        var objects = Enumerable.Range(1, 5).Select(i => $"o{i}").ToList();
        string webhookId;
        string jobId;

        // Host A commits a chunk of two events (rarely two chunks, when the job's wake-up signal is
        // still pending), then pauses for an hour: it is stopped mid-job.
        await using (var first = await HeraldHost.StartAsync(database, settings: Chunks(size: 2, pause: "01:00:00")))
        {
            var start = DateTimeOffset.UtcNow.AddMinutes(-1);
            foreach (var o in objects)
            {
                await first.Client.PublishAsync(Event(o));
            }

            // Created after the events: only the replay delivers them.
            webhookId = (await first.Client.CreateWebhookAsync(new { url = receiver.Url("/r"), event_type = "assets" })).Id();
            jobId = (await first.Client.ReplayAsync(webhookId, new { since = start })).Id();
            await Eventually.TrueAsync(
                async () => (await first.Client.GetAsync($"api/v1/replays/{jobId}")).GetProperty("events_scanned").GetInt32() >= 2,
                what: "the first chunk");
            var midway = await first.Client.GetAsync($"api/v1/replays/{jobId}");
            Assert.Equal("running", midway.GetProperty("status").GetString());
            Assert.InRange(midway.GetProperty("deliveries_created").GetInt32(), 2, 4);
        }

        await using var second = await HeraldHost.StartAsync(database, settings: Chunks(size: 2, pause: "00:00:00"));
        var done = await second.Client.WaitForReplayAsync(jobId, "completed");

        Assert.Equal((5, 5), (done.GetProperty("events_scanned").GetInt32(), done.GetProperty("deliveries_created").GetInt32()));
        await second.Client.WaitForDeliveriesAsync(webhookId, "succeeded", 5);
        Assert.Equal(5, (await second.Client.DeliveriesAsync(webhookId)).Count);
        Assert.Equal(objects, receiver.Requests.Select(r => r.ObjectId()).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Replay_Validation_400WithPath()
    {
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/r", event_type = "assets" })).Id();

        await AssertBadRequestAsync(herald, id, "{}", "since");
        await AssertBadRequestAsync(herald, id, """{"since":"yesterday"}""", "since");
        await AssertBadRequestAsync(herald, id, """{"since":"2025-01-02T00:00:00Z","until":"2025-01-01T00:00:00Z"}""", "since");
        await AssertBadRequestAsync(herald, id, """{"since":"2025-01-01T00:00:00Z","until":5}""", "until");
        await AssertBadRequestAsync(herald, id, """{"since":"2025-01-01T00:00:00Z","only_failed":"yes"}""", "only_failed");
        await AssertBadRequestAsync(herald, id, """[]""", "$");
        using var unknown = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks/nope/replay", """{"since":"2025-01-01T00:00:00Z"}""");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var missing = await herald.Client.SendAsync(HttpMethod.Get, "api/v1/replays/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Replay_UntilInTheFuture_TakenAsNow()
    {
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/r", event_type = "assets" })).Id();

        var job = await herald.Client.ReplayAsync(id, new { since = "2025-01-01T00:00:00Z", until = DateTimeOffset.UtcNow.AddDays(1) });

        Assert.True(job.GetProperty("until").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        Assert.Equal(job.GetProperty("date_created").GetDateTimeOffset(), job.GetProperty("until").GetDateTimeOffset());
        var done = await herald.Client.WaitForReplayAsync(job.Id(), "completed");
        Assert.Equal(0, done.GetProperty("events_scanned").GetInt32());
    }

    [Fact]
    public async Task Replay_Delete_CancelsRunningJobAnd409OnceCompleted()
    {
        await using var herald = await HeraldHost.StartAsync(settings: Chunks(size: 1, pause: "01:00:00"));
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        await herald.Client.PublishAsync(Event("o1"));
        await herald.Client.PublishAsync(Event("o2"));
        var id = (await herald.Client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/r", event_type = "assets", status = "PAUSED" })).Id();
        var job = await herald.Client.ReplayAsync(id, new { since = start });

        var cancelled = await herald.Client.JsonAsync(HttpMethod.Delete, $"api/v1/replays/{job.Id()}");

        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("cancelled", (await herald.Client.GetAsync($"api/v1/replays/{job.Id()}")).GetProperty("status").GetString());
        var empty = await herald.Client.ReplayAsync(id, new { since = start, until = start.AddSeconds(1) });
        await herald.Client.WaitForReplayAsync(empty.Id(), "completed");
        using var late = await herald.Client.SendAsync(HttpMethod.Delete, $"api/v1/replays/{empty.Id()}");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task Replay_DomainKey_OnlyItsOwnWebhooksAndJobs()
    {
        await using var herald = await HeraldHost.StartAsync();
        var key = await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = "domain-a" }), HttpStatusCode.Created);
        using var tenant = herald.CreateClient(key.GetProperty("key").GetString()!);
        var own = (await tenant.CreateWebhookAsync(new { url = "http://127.0.0.1:9/a", event_type = "assets" })).Id();
        var foreign = (await herald.Client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/b", event_type = "assets", domain_id = "domain-b" })).Id();
        var body = """{"since":"2025-01-01T00:00:00Z"}""";

        var ownJob = await tenant.ReplayAsync(own, new { since = "2025-01-01T00:00:00Z" });
        using var refused = await tenant.SendAsync(HttpMethod.Post, $"api/v1/webhooks/{foreign}/replay", body);
        var foreignJob = await herald.Client.ReplayAsync(foreign, new { since = "2025-01-01T00:00:00Z" });
        using var hidden = await tenant.SendAsync(HttpMethod.Get, $"api/v1/replays/{foreignJob.Id()}");
        using var hiddenCancel = await tenant.SendAsync(HttpMethod.Delete, $"api/v1/replays/{foreignJob.Id()}");

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, hiddenCancel.StatusCode);
        Assert.Equal(own, (await tenant.GetAsync($"api/v1/replays/{ownJob.Id()}")).GetProperty("webhook_id").GetString());
        Assert.Equal(own, (await herald.Client.GetAsync($"api/v1/replays/{ownJob.Id()}")).GetProperty("webhook_id").GetString());
    }

    private static Dictionary<string, string?> Chunks(int size, string pause) => new()
    {
        ["Herald:Replay:ChunkSize"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Herald:Replay:ChunkPause"] = pause,
    };

    private static async Task AssertBadRequestAsync(HeraldHost herald, string webhookId, string body, string path)
    {
        var error = await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{webhookId}/replay", body, HttpStatusCode.BadRequest);
        Assert.Equal(path, error.GetProperty("error").GetProperty("path").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetProperty("message").GetString()));
    }
}
