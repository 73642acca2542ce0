using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Server.Tests.Ui;

/// <summary>The admin console in a real headless Chromium against a real Herald and receiver.</summary>
public sealed class AdminUiBrowserTests
{
    [Fact]
    public async Task AdminUi_OperatorJourney_CreatesWebhookFollowsRetriesReplaysTestsQueryAndSignsOut()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        await using var browser = await AdminBrowser.OpenAsync(herald.BaseUrl);
        var page = browser.Page;
        var answer = 503;
        receiver.Respond = _ => answer;

        // Sign in with the admin key: nothing but the sign-in form is shown before.
        await page.GotoAsync("/");
        await Expect(browser.Field("API key")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeHiddenAsync();
        await browser.SignInAsync(HeraldHost.AdminKey);

        // Create a webhook through the form; a bad query shows its error and column before saving.
        await browser.Nav("Webhooks").ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New webhook" }).First.ClickAsync();
        await browser.Field("Name").FillAsync("Proxy ready → transcoder");
        await browser.Field("URL").FillAsync(receiver.Url("/proxies"));
        await browser.Field("Event type").FillAsync("assets");
        await browser.Field("Operation").SelectOptionAsync("update");
        await browser.Field("Realm").FillAsync("proxies");
        await browser.Field("Object ID").FillAsync(string.Empty);
        await browser.Field("Query").FillAsync("data.status = \"CLOSED\" AND data.format >= \"JPEG\"");
        var queryError = page.Locator("#error-query");
        await Expect(queryError).ToBeVisibleAsync();
        await Expect(queryError).ToContainTextAsync("column 40");
        await Expect(page.Locator("#query-state mark.query-error-at")).ToHaveTextAsync(">");
        await Expect(browser.Field("Query")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add header" }).ClickAsync();
        await page.GetByLabel("Header 1 name").FillAsync("X-Team");
        await page.GetByLabel("Header 1 value").FillAsync("media");
        await browser.Field("Retry schedule").FillAsync("none");
        Assert.Equal(0, (await herald.Client.GetAsync("api/v1/webhooks")).GetProperty("objects").GetArrayLength());

        await browser.Field("Query").FillAsync("data.status = \"CLOSED\" AND data.format = \"JPEG\"");
        await Expect(page.Locator("#query-state")).ToContainTextAsync("Valid query");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();

        // The signing secret is shown once, with a copy button.
        var secret = page.Locator("#signing-secret");
        await Expect(secret).ToContainTextAsync("whsec_");
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy secret" }).ClickAsync();
        Assert.Equal(await secret.TextContentAsync(), await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        var webhooks = (await herald.Client.GetAsync("api/v1/webhooks")).GetProperty("objects");
        var webhook = Assert.Single(webhooks.EnumerateArray());
        var webhookId = webhook.GetProperty("id").GetString()!;
        Assert.Equal("update", webhook.GetProperty("operation").GetString());
        Assert.Equal("media", webhook.GetProperty("headers").GetProperty("X-Team").GetString());
        Assert.Equal(0, webhook.GetProperty("retry_schedule").GetArrayLength());

        // Publish through the API and watch the delivery and its attempt appear.
        var published = DateTimeOffset.UtcNow;
        await herald.Client.PublishAsync(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Seeds", "blog-proxies-update.json")));
        await browser.Nav("Deliveries").ClickAsync();
        var failedRow = page.Locator("#deliveries tbody tr[data-status=failed]");
        await Expect(failedRow).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Expect(failedRow).ToContainTextAsync("503");
        await failedRow.Locator("a.row-title").ClickAsync();
        await Expect(page.Locator("#attempts li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#attempts li").First).ToContainTextAsync("503");
        var headers = page.Locator("#request-headers");
        await Expect(headers).ToContainTextAsync("webhook-signature");
        await Expect(headers).ToContainTextAsync("X-Team");

        // Retry the failed delivery; it now succeeds and the page shows the second attempt.
        answer = 200;
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry", Exact = true }).ClickAsync();
        await Expect(page.Locator(".page-header .badge")).ToHaveTextAsync("succeeded", new() { Timeout = 20_000 });
        await Expect(page.Locator("#attempts li")).ToHaveCountAsync(2);
        Assert.Equal(2, receiver.Requests.Count);

        // Replay the range the event was published in: a new delivery of the same event.
        await page.Locator(".facts a").First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Proxy ready → transcoder" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay range…" }).ClickAsync();
        await page.Locator("#replay-since").FillAsync(published.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#replay-until").FillAsync(string.Empty);
        await page.GetByRole(AriaRole.Button, new() { Name = "Start replay" }).ClickAsync();
        await Expect(page.Locator(".replay-status .alert")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 20_000 });
        await Expect(page.Locator(".replay-status")).ToContainTextAsync("1 delivery created");
        await Expect(page.Locator("#deliveries tbody tr")).ToHaveCountAsync(2);
        await receiver.WaitForAsync(3);
        await page.ReloadAsync();
        await Expect(page.Locator("#deliveries tbody tr[data-status=succeeded]")).ToHaveCountAsync(2, new() { Timeout = 20_000 });

        // The query tester on a built-in seed event: a match, then an error with its column.
        await browser.Nav("Query tester").ClickAsync();
        await Expect(page.Locator("#seed")).ToHaveValueAsync("blog-proxies-update");
        await Expect(page.Locator("#verdict [data-result]")).ToHaveAttributeAsync("data-result", "match");
        await page.Locator("#seed").SelectOptionAsync("iconik-metadata");
        await Expect(page.Locator("#verdict [data-result]")).ToHaveAttributeAsync("data-result", "no-match");
        await browser.Field("Query").FillAsync("realm = \"metadata\" AND data.metadata_values.share.field_values.0.value = \"true\"");
        await Expect(page.Locator("#verdict [data-result]")).ToHaveAttributeAsync("data-result", "match");
        await browser.Field("Query").FillAsync("realm = metadata");
        await Expect(page.Locator("#verdict [data-result]")).ToHaveAttributeAsync("data-result", "error");
        await Expect(page.Locator("#verdict")).ToContainTextAsync("column 9");
        await browser.Field("Query").FillAsync("realm = \"metadata\"");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook from this query" }).ClickAsync();
        await Expect(browser.Field("Query")).ToHaveValueAsync("realm = \"metadata\"");
        await Expect(browser.Field("Event type")).ToHaveValueAsync("assets");
        await Expect(browser.Field("Realm")).ToHaveValueAsync("metadata");

        // The dashboard's charts show the attempts of the last hour and the webhooks by status.
        await browser.Nav("Dashboard").ClickAsync();
        await Expect(page.Locator("#chart-throughput svg rect.bar-succeeded").First).ToBeVisibleAsync();
        await Expect(page.Locator("#chart-throughput svg rect.bar-failed").First).ToBeVisibleAsync();
        await Expect(page.Locator("#chart-webhooks svg circle.segment-enabled")).ToHaveCountAsync(1);
        await Expect(page.Locator("#endpoints-failing")).ToContainTextAsync("Proxy ready → transcoder");

        // The webhook list with its status badge and 24 h figures.
        await browser.Nav("Webhooks").ClickAsync();
        var row = page.Locator("#webhooks tbody tr", new() { HasText = "Proxy ready → transcoder" });
        await Expect(row.Locator(".badge")).ToHaveTextAsync("ENABLED");
        await Eventually.TrueAsync(
            async () =>
            {
                await page.ReloadAsync();
                return (await row.TextContentAsync())!.Contains("66.7%", StringComparison.Ordinal);
            },
            what: "the list to show 2 of 3 attempts succeeded");

        // Sign out: the session is gone on the server too.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(browser.Field("API key")).ToBeVisibleAsync();
        var after = await page.APIRequest.GetAsync("/api/v1/webhooks");
        Assert.Equal(401, after.Status);
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task AdminUi_EditRotateBulkRetryDelete_ServerErrorsBesideFieldsAndSecretsWriteOnly()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        await using var browser = await AdminBrowser.OpenAsync(herald.BaseUrl);
        var page = browser.Page;
        var answer = 500;
        receiver.Respond = _ => answer;
        await browser.SignInAsync(HeraldHost.AdminKey);

        // A server-side error appears next to its field and nothing is saved.
        await page.GotoAsync("/#/webhooks/new");
        await browser.Field("Name").FillAsync("Search sync");
        await browser.Field("Event type").FillAsync("assets");
        await browser.Field("URL").FillAsync("ftp://example.com/hook");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.Locator("#error-url")).ToContainTextAsync("http or https");
        await Expect(browser.Field("URL")).ToHaveAttributeAsync("aria-invalid", "true");
        await browser.Field("Authentication").SelectOptionAsync("basic");
        await browser.Field("Username").FillAsync("svc");
        await browser.Field("URL").FillAsync(receiver.Url("/search"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.Locator("#error-auth-password")).ToContainTextAsync("auth.password is required");
        Assert.Equal(0, (await herald.Client.GetAsync("api/v1/webhooks")).GetProperty("objects").GetArrayLength());

        // Saved with a bearer token and no retries; the token reaches the endpoint.
        await browser.Field("Authentication").SelectOptionAsync("bearer");
        await browser.Field("Token").FillAsync("tok-1");
        await browser.Field("Retry schedule").FillAsync("none");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        var firstSecret = await page.Locator("#signing-secret").TextContentAsync();
        Assert.StartsWith("whsec_", firstSecret, StringComparison.Ordinal);
        var id = (await herald.Client.GetAsync("api/v1/webhooks")).GetProperty("objects")[0].GetProperty("id").GetString()!;

        // Editing without touching the token keeps it: the form never shows it, the server keeps it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Expect(browser.Field("Token")).ToHaveValueAsync(string.Empty);
        await Expect(browser.Field("Token")).ToHaveAttributeAsync("placeholder", "Stored — leave empty to keep");
        await browser.Field("Name").FillAsync("Search index sync");
        await browser.Field("Timeout").FillAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Search index sync" })).ToBeVisibleAsync();
        Assert.Equal(10, (await herald.Client.GetAsync($"api/v1/webhooks/{id}")).GetProperty("timeout_seconds").GetInt32());
        await Expect(page.Locator("#signing-secret")).ToHaveCountAsync(0);

        for (var i = 0; i < 2; i++)
        {
            await herald.Client.PublishAsync($$$"""{"event_type":"assets","realm":"metadata","operation":"update","object_id":"o{{{i}}}","data":{}}""");
        }

        var sent = await receiver.WaitForAsync(2);
        Assert.All(sent, r => Assert.Equal("Bearer tok-1", r.Header("Authorization")));

        // Bulk retry of the failed deliveries, with confirmation.
        await page.ReloadAsync();
        await Expect(page.Locator("#deliveries tbody tr[data-status=failed]")).ToHaveCountAsync(2, new() { Timeout = 20_000 });
        answer = 200;
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry failed" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Retry failed" }).ClickAsync();
        await Expect(page.Locator("#deliveries tbody tr[data-status=succeeded]")).ToHaveCountAsync(2, new() { Timeout = 20_000 });
        Assert.Equal(4, receiver.Requests.Count);

        // Rotation shows the new secret once; the old one keeps signing during the grace period.
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        await page.GetByLabel("Old secret keeps signing for").SelectOptionAsync("3600");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        await Expect(page.Locator("#signing-secret")).Not.ToHaveTextAsync(firstSecret!);
        await Expect(page.Locator("#signing-secret")).ToContainTextAsync("whsec_");
        await herald.Client.PublishAsync("""{"event_type":"assets","realm":"metadata","operation":"update","object_id":"o9","data":{}}""");
        var signed = (await receiver.WaitForAsync(5))[4];
        Assert.Equal(2, signed.Header("webhook-signature").Split(' ').Length);

        // Delete asks first; cancelling keeps the webhook, confirming removes it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal(1, (await herald.Client.GetAsync("api/v1/webhooks")).GetProperty("objects").GetArrayLength());
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete webhook" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Webhooks", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByText("No webhooks yet")).ToBeVisibleAsync();
        Assert.Equal(0, (await herald.Client.GetAsync("api/v1/webhooks")).GetProperty("objects").GetArrayLength());
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task AdminUi_HostnameTargetFiltersAndCancel_ShowOnlyWhatMatches()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        await using var browser = await AdminBrowser.OpenAsync(herald.BaseUrl);
        var page = browser.Page;
        await browser.SignInAsync(HeraldHost.AdminKey);

        // The target given as hostname and path.
        await page.GotoAsync("/#/webhooks/new");
        await browser.Field("Name").FillAsync("Held for review");
        await browser.Field("Event type").FillAsync("assets");
        await page.GetByText("Hostname and path").ClickAsync();
        await browser.Field("Hostname").FillAsync(receiver.BaseUrl);
        await browser.Field("Path").FillAsync("hooks/review");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.Locator("#signing-secret")).ToBeVisibleAsync();
        var webhook = (await herald.Client.GetAsync("api/v1/webhooks")).GetProperty("objects")[0];
        Assert.Equal(receiver.Url("/hooks/review"), webhook.GetProperty("url").GetString());

        // Paused, so its deliveries wait and can be cancelled.
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Expect(page.Locator(".page-header .badge")).ToHaveTextAsync("PAUSED");
        foreach (var objectId in new[] { "clip-1", "clip-2", "clip-3" })
        {
            await herald.Client.PublishAsync($$$"""{"event_type":"assets","realm":"proxies","operation":"update","object_id":"{{{objectId}}}","data":{}}""");
        }

        await browser.Nav("Deliveries").ClickAsync();
        var rows = page.Locator("#deliveries tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await page.Locator("#filter-object").FillAsync("clip-2");
        await page.Locator("#filter-object").PressAsync("Enter");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync("clip-2");
        await rows.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel delivery" }).ClickAsync();
        await Expect(rows.Locator(".badge")).ToHaveTextAsync("cancelled");

        await page.Locator("#filter-object").FillAsync(string.Empty);
        await page.Locator("#filter-object").PressAsync("Enter");
        await page.Locator("#filter-status").SelectOptionAsync("pending");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator("#deliveries")).Not.ToContainTextAsync("clip-2");

        // A time range after now holds nothing; one around now holds them all again.
        await page.Locator("#filter-status").SelectOptionAsync(string.Empty);
        var now = DateTime.UtcNow;
        await page.Locator("#filter-since").FillAsync(now.AddHours(1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByText("No deliveries match")).ToBeVisibleAsync();
        await page.Locator("#filter-since").FillAsync(now.AddMinutes(-10).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#filter-until").FillAsync(now.AddMinutes(10).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(rows).ToHaveCountAsync(3);
        Assert.Empty(receiver.Requests);
        browser.AssertNoScriptErrors();
    }
}
