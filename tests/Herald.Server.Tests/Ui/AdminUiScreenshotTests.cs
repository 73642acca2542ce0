using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Server.Tests.Ui;

/// <summary>
/// Every page of the admin console at 1280×800 after an hour of real traffic, written to
/// docs/screenshots/ for docs/admin-ui.md. The hour is compressed: Herald runs on a fake clock that
/// starts an hour ago and steps a minute at a time once every due attempt of the minute has been
/// made, so the charts and 24-hour figures come from real deliveries to real receivers.
/// </summary>
public sealed class AdminUiScreenshotTests
{
    private static readonly string[] Events =
    [
        """{"event_type":"assets","realm":"proxies","operation":"update","object_id":"{id}","data":{"status":"CLOSED","format":"JPEG","name":"trailer-{id}.jpg"}}""",
        """{"event_type":"assets","realm":"metadata","operation":"update","object_id":"{id}","data":{"metadata_values":{"share":{"field_values":[{"value":"true"}]}}}}""",
        """{"event_type":"assets","realm":"formats","operation":"create","object_id":"{id}","data":{"name":"ORIGINAL","status":"ACTIVE"}}""",
    ];

    [Fact]
    public async Task AdminUi_AfterAnHourOfTraffic_ScreenshotsEveryPage()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-60));
        await using var receiver = await TestReceiver.StartAsync();
        var random = new Random(7);
        var archiveCalls = 0;
        receiver.RespondAsync = async request =>
        {
            switch (request.Path)
            {
                case "/search":
                    await Task.Delay(60 + random.Next(0, 260));
                    return 200;
                case "/archive":
                    await Task.Delay(20 + random.Next(0, 40));
                    return Interlocked.Increment(ref archiveCalls) % 6 == 0 ? 502 : 200;
                case "/legacy":
                    return 500;
                default:
                    await Task.Delay(random.Next(5, 25));
                    return 200;
            }
        };
        await using var herald = await HeraldHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var client = herald.Client;
        var transcoder = await CreateAsync(client, new
        {
            name = "Proxy ready → transcoder", url = receiver.Url("/transcode"), event_type = "assets", realm = "proxies", operation = "update",
            query = "data.status = \"CLOSED\" AND data.format = \"JPEG\"", headers = new Dictionary<string, string> { ["X-Team"] = "media" },
        });
        var search = await CreateAsync(client, new
        {
            name = "Metadata → search index", url = receiver.Url("/search"), event_type = "assets", realm = "metadata", ordering = "object",
            auth = new { type = "bearer", token = "search-index-token" }, payload = new { body = "data" },
        });
        var archive = await CreateAsync(client, new
        {
            name = "Archive new formats", url = receiver.Url("/archive"), event_type = "assets", realm = "formats", retry_schedule = new[] { 30, 120 },
        });
        var legacy = await CreateAsync(client, new
        {
            name = "Legacy CMS sync", url = receiver.Url("/legacy"), event_type = "assets", operation = "update", retry_schedule = new[] { 60, 300 },
        });
        await CreateAsync(client, new { name = "Slack notifications", url = receiver.Url("/slack"), event_type = "assets", realm = "proxies", status = "PAUSED" });
        await CreateAsync(client, new { name = "Old DAM bridge", url = receiver.Url("/old-dam"), event_type = "collections", status = "DISABLED" });
        // The legacy endpoint's circuit opens and waits on the clock, so only the healthy ones are waited for.
        string[] healthy = [transcoder, search, archive];

        for (var minute = 0; minute < 60; minute++)
        {
            var count = 2 + (int)Math.Round(3 + (3 * Math.Sin(minute / 7.0)));
            for (var i = 0; i < count; i++)
            {
                var id = $"{minute:D2}{i}";
                await client.PublishAsync(Events[(minute + i) % Events.Length].Replace("{id}", "asset-" + id, StringComparison.Ordinal));
            }

            await Eventually.TrueAsync(async () => await SettledAsync(client, healthy, clock), what: $"minute {minute}'s attempts to finish");
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        await using var browser = await AdminBrowser.OpenAsync(herald.BaseUrl);
        var page = browser.Page;
        await page.GotoAsync("/");
        await Expect(browser.Field("API key")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("sign-in");
        await browser.SignInAsync(HeraldHost.AdminKey);

        await Expect(page.Locator("#chart-throughput svg rect.bar-succeeded")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("#endpoints-failing")).ToContainTextAsync("Legacy CMS sync");
        await Expect(page.Locator("#endpoints-slowest tr").First).ToContainTextAsync("Metadata → search index");
        await browser.ScreenshotAsync("dashboard");

        await browser.Nav("Webhooks").ClickAsync();
        await Expect(page.Locator("#webhooks tbody tr")).ToHaveCountAsync(6);
        await Expect(page.Locator("#webhooks tbody tr", new() { HasText = "Legacy CMS sync" }).Locator(".badge")).ToHaveTextAsync("FAILING");
        await browser.ScreenshotAsync("webhooks");

        await page.GetByRole(AriaRole.Link, new() { Name = "Archive new formats" }).ClickAsync();
        await Expect(page.Locator("#deliveries tbody tr").First).ToBeVisibleAsync();
        await browser.ScreenshotAsync("webhook");

        await browser.Nav("Deliveries").ClickAsync();
        await Expect(page.Locator("#deliveries tbody tr")).ToHaveCountAsync(50);
        await browser.ScreenshotAsync("deliveries");

        // A delivery that failed with 502 and succeeded on its retry.
        var archived = (await client.GetAsync($"api/v1/deliveries?webhook_id={archive}&status=succeeded&limit=1000")).GetProperty("objects");
        var retried = archived.EnumerateArray().First(d => d.GetProperty("attempt_count").GetInt32() == 2).GetProperty("id").GetString()!;
        await page.GotoAsync($"/#/deliveries/{retried}");
        await Expect(page.Locator("#attempts li")).ToHaveCountAsync(2);
        await page.Locator("#attempts li").Last.Locator("summary").ClickAsync();
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await browser.ScreenshotAsync("delivery");

        await page.GotoAsync("/#/webhooks/new");
        await browser.Field("Name").FillAsync("Proxy ready → QC review");
        await browser.Field("Event type").FillAsync("assets");
        await browser.Field("Operation").SelectOptionAsync("update");
        await browser.Field("Realm").FillAsync("proxies");
        await browser.Field("Query").FillAsync("data.status = \"CLOSED\" AND data.resolution.width >= \"1920\"");
        await Expect(page.Locator("#error-query")).ToContainTextAsync("column 50");
        await browser.Field("URL").FillAsync("https://qc.example.com/hooks/herald");
        await page.Locator("#webhook-form .card").Nth(1).EvaluateAsync("e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 24)");
        await browser.ScreenshotAsync("webhook-form");

        await browser.Nav("Query tester").ClickAsync();
        await Expect(page.Locator("#verdict [data-result]")).ToHaveAttributeAsync("data-result", "match");
        await browser.ScreenshotAsync("query-tester");
        browser.AssertNoScriptErrors();
    }

    private static async Task<string> CreateAsync(HeraldClient client, object definition) =>
        (await client.CreateWebhookAsync(definition)).GetProperty("id").GetString()!;

    /// <summary>No delivery of the sending webhooks is due or in flight at the fake "now".</summary>
    private static async Task<bool> SettledAsync(HeraldClient client, string[] webhooks, FakeTimeProvider clock)
    {
        foreach (var id in webhooks)
        {
            var pending = await client.GetAsync($"api/v1/deliveries?webhook_id={id}&status=pending&limit=1000");
            if (pending.GetProperty("objects").EnumerateArray().Any(d =>
                d.GetProperty("next_attempt_at").ValueKind != JsonValueKind.String || d.GetProperty("next_attempt_at").GetDateTimeOffset() <= clock.GetUtcNow()))
            {
                return false;
            }
        }

        return true;
    }
}
