using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Server.Tests.Ui;

/// <summary>The admin console's session in a real browser: tenancy and CSRF.</summary>
public sealed class AdminUiSecurityTests
{
    private const string DomainA = "bf0b8c12-7ccc-11e7-8d93-0a580a00022b";
    private const string DomainB = "1297c8b6-3563-11e7-adf1-6c4008b85488";

    [Fact]
    public async Task AdminUi_DomainKeySession_SeesOnlyItsOwnDomain()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var keyA = await CreateKeyAsync(herald, DomainA);
        var keyB = await CreateKeyAsync(herald, DomainB);
        using var tenantA = herald.CreateClient(keyA);
        using var tenantB = herald.CreateClient(keyB);
        var webhookA = (await tenantA.CreateWebhookAsync(new { name = "Studio A archive", event_type = "assets", url = receiver.Url("/a") })).GetProperty("id").GetString()!;
        var webhookB = (await tenantB.CreateWebhookAsync(new { name = "Studio B archive", event_type = "assets", url = receiver.Url("/b") })).GetProperty("id").GetString()!;
        await tenantA.PublishAsync("""{"event_type":"assets","realm":"proxies","operation":"update","object_id":"a-1","data":{}}""");
        await tenantB.PublishAsync("""{"event_type":"assets","realm":"proxies","operation":"update","object_id":"b-1","data":{}}""");
        await receiver.WaitForAsync(2);
        var deliveryB = (await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={webhookB}")).GetProperty("objects")[0].GetProperty("id").GetString()!;
        await Eventually.TrueAsync(
            async () => (await herald.Client.GetAsync($"api/v1/deliveries/{deliveryB}")).GetProperty("attempt_count").GetInt32() == 1,
            what: "B's delivery to be attempted");

        await using var browser = await AdminBrowser.OpenAsync(herald.BaseUrl);
        var page = browser.Page;
        await browser.SignInAsync(keyA);
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("Domain " + DomainA);

        // Lists show the tenant's own webhook and delivery only.
        await browser.Nav("Webhooks").ClickAsync();
        await Expect(page.Locator("#webhooks tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#webhooks")).ToContainTextAsync("Studio A archive");
        await browser.Nav("Deliveries").ClickAsync();
        await Expect(page.Locator("#deliveries tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#deliveries")).ToContainTextAsync("a-1");
        await Expect(page.Locator("#deliveries")).Not.ToContainTextAsync("b-1");

        // The other domain's webhook and delivery do not exist for this session, page or API.
        await page.GotoAsync($"/#/webhooks/{webhookB}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Webhook not found" })).ToBeVisibleAsync();
        await page.GotoAsync($"/#/deliveries/{deliveryB}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Delivery not found" })).ToBeVisibleAsync();
        var api = page.APIRequest;
        Assert.Equal(404, (await api.GetAsync($"/api/v1/webhooks/{webhookB}")).Status);
        Assert.Equal(404, (await api.GetAsync($"/api/v1/deliveries/{deliveryB}")).Status);
        Assert.Equal(404, (await api.GetAsync($"/ui/deliveries/{deliveryB}/request")).Status);
        var filtered = await (await api.GetAsync($"/ui/deliveries?webhook_id={webhookB}")).JsonAsync();
        Assert.Equal(0, filtered!.Value.GetProperty("objects").GetArrayLength());
        var stats = await (await api.GetAsync("/ui/webhook-stats")).JsonAsync();
        Assert.Equal([webhookA], stats!.Value.GetProperty("objects").EnumerateArray().Select(s => s.GetProperty("webhook_id").GetString()));
        var dashboard = await (await api.GetAsync("/ui/dashboard")).JsonAsync();
        Assert.Equal(1, dashboard!.Value.GetProperty("webhooks_by_status").GetProperty("ENABLED").GetInt32());
        Assert.Equal(1, dashboard.Value.GetProperty("totals").GetProperty("attempts").GetInt32());

        // Even with the CSRF token, a change to the other domain's webhook finds nothing.
        var token = await CsrfTokenAsync(page);
        var pause = await api.PatchAsync($"/api/v1/webhooks/{webhookB}", new()
        {
            DataObject = new { status = "PAUSED" },
            Headers = new Dictionary<string, string> { ["X-CSRF-Token"] = token },
        });
        Assert.Equal(404, pause.Status);
        Assert.Equal("ENABLED", await herald.Client.WebhookStatusAsync(webhookB));
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task AdminUi_ChangeWithoutCsrfToken_IsRefused()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var webhook = (await herald.Client.CreateWebhookAsync(new { name = "guarded", event_type = "assets", url = receiver.Url("/g") })).GetProperty("id").GetString()!;
        await using var browser = await AdminBrowser.OpenAsync(herald.BaseUrl);
        var page = browser.Page;
        await browser.SignInAsync(HeraldHost.AdminKey);

        // The session cookie is out of script's reach and never sent cross-site.
        var cookie = Assert.Single(await browser.Context.CookiesAsync(), c => c.Name == "herald_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal(string.Empty, await page.EvaluateAsync<string>("() => document.cookie"));

        // Reading works with the cookie alone; changing needs the session's token.
        var api = page.APIRequest;
        Assert.Equal(200, (await api.GetAsync($"/api/v1/webhooks/{webhook}")).Status);
        var bare = await api.PatchAsync($"/api/v1/webhooks/{webhook}", new() { DataObject = new { status = "PAUSED" } });
        Assert.Equal(403, bare.Status);
        Assert.Equal("headers.X-CSRF-Token", (await bare.JsonAsync())!.Value.GetProperty("error").GetProperty("path").GetString());
        var wrong = await api.PatchAsync($"/api/v1/webhooks/{webhook}", new()
        {
            DataObject = new { status = "PAUSED" },
            Headers = new Dictionary<string, string> { ["X-CSRF-Token"] = "not-the-token" },
        });
        Assert.Equal(403, wrong.Status);
        Assert.Equal(403, (await api.DeleteAsync($"/api/v1/webhooks/{webhook}")).Status);
        Assert.Equal(403, (await api.DeleteAsync("/ui/session")).Status);
        Assert.Equal("ENABLED", await herald.Client.WebhookStatusAsync(webhook));

        var token = await CsrfTokenAsync(page);
        var paused = await api.PatchAsync($"/api/v1/webhooks/{webhook}", new()
        {
            DataObject = new { status = "PAUSED" },
            Headers = new Dictionary<string, string> { ["X-CSRF-Token"] = token },
        });
        Assert.Equal(200, paused.Status);
        Assert.Equal("PAUSED", await herald.Client.WebhookStatusAsync(webhook));

        // The page itself sends the token: pausing from the list works.
        await browser.Nav("Webhooks").ClickAsync();
        var row = page.Locator("#webhooks tbody tr", new() { HasText = "guarded" });
        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("ENABLED");
        browser.AssertNoScriptErrors();
    }

    private static async Task<string> CreateKeyAsync(HeraldHost herald, string domain) =>
        (await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { name = "tenant", domain_id = domain }), HttpStatusCode.Created))
            .GetProperty("key").GetString()!;

    private static async Task<string> CsrfTokenAsync(IPage page) =>
        (await (await page.APIRequest.GetAsync("/ui/session")).JsonAsync())!.Value.GetProperty("csrf_token").GetString()!;
}
