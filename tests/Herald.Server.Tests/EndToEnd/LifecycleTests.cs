using System.Text.Json;
using Herald.Core.Deliveries;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>iconik's status lifecycle, driven by a real failing receiver.</summary>
public sealed class LifecycleTests
{
    private static readonly string ProxyEvent = Seeds.Read("blog-proxies-update.json");

    [Fact]
    public async Task FailingReceiver_FailsThenRecovers_WebhookGoesFailingThenEnabled()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var calls = 0;
        receiver.Respond = _ => Interlocked.Increment(ref calls) == 1 ? 500 : 200;
        await using var herald = await HeraldHost.StartAsync();
        var webhook = await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/hook"), event_type = "assets", retry_schedule = new[] { 2 } });
        var id = webhook.GetProperty("id").GetString()!;
        Assert.Equal("ENABLED", webhook.GetProperty("status").GetString());

        await herald.Client.PublishAsync(ProxyEvent);

        await Eventually.TrueAsync(async () => await herald.Client.WebhookStatusAsync(id) == "FAILING", what: "FAILING after the first failed attempt");
        var failing = await herald.Client.GetAsync($"api/v1/webhooks/{id}");
        Assert.Equal(JsonValueKind.String, failing.GetProperty("first_failed_at").ValueKind);
        Assert.Equal("HTTP 500", failing.GetProperty("last_error").GetString());

        var requests = await receiver.WaitForAsync(2);
        Assert.Equal("2", requests[1].Header("X-Webhook-Attempt"));
        Assert.Equal(requests[0].Header("webhook-id"), requests[1].Header("webhook-id"));
        await Eventually.TrueAsync(async () => await herald.Client.WebhookStatusAsync(id) == "ENABLED", what: "ENABLED after a success");
        var recovered = await herald.Client.GetAsync($"api/v1/webhooks/{id}");
        Assert.Equal(JsonValueKind.Null, recovered.GetProperty("first_failed_at").ValueKind);

        var delivery = await herald.Client.GetAsync($"api/v1/deliveries/{requests[0].Header("webhook-id")}");
        Assert.Equal("succeeded", delivery.GetProperty("status").GetString());
        Assert.Equal(2, delivery.GetProperty("attempt_count").GetInt32());
        Assert.Equal(500, delivery.GetProperty("attempts")[0].GetProperty("status_code").GetInt32());
        Assert.Equal(200, delivery.GetProperty("attempts")[1].GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Gone410_FirstAttempt_DisablesAtOnceAndMatchesNothingMore()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 410;
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/gone"), event_type = "assets" })).GetProperty("id").GetString()!;

        await herald.Client.PublishAsync(ProxyEvent);
        await Eventually.TrueAsync(async () => await herald.Client.WebhookStatusAsync(id) == "DISABLED", what: "DISABLED after 410");

        await herald.Client.PublishAsync(ProxyEvent);
        var deliveries = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}");
        Assert.Equal(1, deliveries.GetProperty("objects").GetArrayLength());
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task AlwaysFailing_FakeClockPastFiveHours_DisabledOnlyAfterFiveHours()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 503;

        // Seeded jitter: the same retry times on every run. The 5 h rule is then checked where the
        // schedule puts it, not where an unseeded draw happened to.
        await using var herald = await HeraldHost.StartAsync(services: s => s
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(new RetryJitter(new Random(20250101))));
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/down"), event_type = "assets" })).GetProperty("id").GetString()!;
        var start = clock.GetUtcNow();

        await herald.Client.PublishAsync(ProxyEvent);
        await receiver.WaitForAsync(1);
        await Eventually.TrueAsync(async () => await herald.Client.WebhookStatusAsync(id) == "FAILING");

        // Default schedule (±20 %): attempts near 0 s, 60 s (503 is retried no sooner than a minute),
        // 5 min, 35 min, 2.6 h, 7.6 h — the sixth at most 2.4 h + 6 h + the 10 min steps after the
        // first. Step the clock and let each due attempt finish before looking, until 10 h, past
        // the latest the sixth attempt can fall whatever the jitter.
        var statusByHour = new List<(double Hours, string Status, int Attempts)>();
        while (clock.GetUtcNow() - start < TimeSpan.FromHours(10))
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            try
            {
                // A dispatcher that computed its sleep just before the jump arms its timer just after
                // it, on the new fake "now", and would sleep until the next jump: when nothing has
                // settled after a few real seconds, step the clock by the dispatcher's longest sleep
                // (5 s, against the 10-minute steps and the schedule's ±20 %).
                for (var nudge = 0; ; nudge++)
                {
                    try
                    {
                        await Eventually.TrueAsync(async () => await IsSettledAsync(herald, id, clock), TimeSpan.FromSeconds(nudge < 5 ? 5 : 30), what: "the due attempt to finish");
                        break;
                    }
                    catch (TimeoutException) when (nudge < 5)
                    {
                        clock.Advance(TimeSpan.FromSeconds(5));
                    }
                }
            }
            catch (TimeoutException ex)
            {
                var state = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}");
                throw new TimeoutException($"{ex.Message} at +{(clock.GetUtcNow() - start).TotalMinutes:F0} min (now {clock.GetUtcNow():O}); deliveries: {state.GetRawText()}", ex);
            }

            statusByHour.Add(((clock.GetUtcNow() - start).TotalHours, await herald.Client.WebhookStatusAsync(id), receiver.Requests.Count));
        }

        var trace = string.Join(", ", statusByHour.Select(s => $"{s.Hours:F2} h {s.Status} {s.Attempts}"));
        Assert.All(statusByHour.Where(s => s.Hours < 5), s => Assert.Equal("FAILING", s.Status));
        Assert.True(statusByHour[^1].Status == "DISABLED", trace);
        var disabledAt = statusByHour.First(s => s.Status == "DISABLED");
        Assert.InRange(disabledAt.Hours, 5, 10);

        // Disabled by the sixth attempt, the first one made after five hours of failing.
        Assert.Equal(6, disabledAt.Attempts);
        Assert.Equal(6, receiver.Requests.Count);
        var webhook = await herald.Client.GetAsync($"api/v1/webhooks/{id}");
        Assert.Equal("HTTP 503", webhook.GetProperty("last_error").GetString());
    }

    /// <summary>No attempt is due or in flight at the fake "now".</summary>
    private static async Task<bool> IsSettledAsync(HeraldHost herald, string webhookId, FakeTimeProvider clock)
    {
        var list = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={webhookId}");
        return list.GetProperty("objects").EnumerateArray().All(d =>
            d.GetProperty("status").GetString() != "pending"
            || (d.GetProperty("next_attempt_at").ValueKind == JsonValueKind.String
                && d.GetProperty("next_attempt_at").GetDateTimeOffset() > clock.GetUtcNow()));
    }

    [Fact]
    public async Task Paused_EventsPublished_StoredNotSentUntilResumed()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/p"), event_type = "assets", status = "PAUSED" })).GetProperty("id").GetString()!;

        for (var i = 0; i < 3; i++)
        {
            await herald.Client.PublishAsync(ProxyEvent);
        }

        var pending = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}&status=pending");
        Assert.Equal(3, pending.GetProperty("objects").GetArrayLength());
        await Task.Delay(500);
        Assert.Empty(receiver.Requests);

        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"status":"ENABLED"}""");
        await receiver.WaitForAsync(3);
        await Eventually.TrueAsync(async () =>
            (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={id}&status=succeeded")).GetProperty("objects").GetArrayLength() == 3);
    }
}
