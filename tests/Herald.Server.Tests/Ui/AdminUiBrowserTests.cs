using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Server.Tests.Ui;

/// <summary>The admin UI in a real headless Chromium (installed by test.sh), against a real server.</summary>
public sealed class AdminUiBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task AdminUi_WithKey_ListsWebhooksRetriesDeliveryAndPauses()
    {
        Assert.True(File.Exists(Chromium), $"Chromium is needed at {Chromium}: run ./test.sh, or apt-get install -y chromium");
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var answer = 500;
        receiver.Respond = _ => answer;
        var webhook = await herald.Client.CreateWebhookAsync(new
        {
            name = "proxies closed", url = receiver.Url("/proxies"), event_type = "assets", realm = "proxies", retry_schedule = Array.Empty<int>(),
        });
        var webhookId = webhook.GetProperty("id").GetString()!;
        await herald.Client.PublishAsync("""{"event_type":"assets","realm":"proxies","operation":"update","object_id":"42","data":{"status":"CLOSED"}}""");
        await Eventually.TrueAsync(async () => await DeliveryStatusAsync(herald, webhookId) == "failed", what: "the delivery to fail");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(herald.BaseUrl + "/");

        // The key is asked for first; nothing is shown without it.
        await Expect(page.Locator("#app")).ToBeHiddenAsync();
        await page.FillAsync("#key", HeraldHost.AdminKey);
        await page.ClickAsync("button[type=submit]");

        var row = page.Locator("#webhooks tbody tr", new() { HasText = "proxies closed" });
        await Expect(row).ToContainTextAsync(receiver.Url("/proxies"));
        await Expect(row).ToContainTextAsync("FAILING");
        await Expect(row.Locator("td.error")).Not.ToBeEmptyAsync();
        Assert.Equal(HeraldHost.AdminKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('herald.key')"));

        // The failed delivery, its attempt, and a retry that now succeeds.
        var delivery = page.Locator("#deliveries tbody tr", new() { HasText = "failed" });
        await Expect(delivery).ToContainTextAsync("proxies closed");
        await delivery.Locator("summary").ClickAsync();
        await Expect(delivery.Locator("details table")).ToContainTextAsync("500");
        answer = 200;
        await delivery.Locator("button", new() { HasText = "Retry" }).ClickAsync();
        await Eventually.TrueAsync(async () => await DeliveryStatusAsync(herald, webhookId) == "succeeded", what: "the retried delivery to succeed");

        // Pause from the UI; the API agrees and the button now offers to resume.
        await page.ClickAsync("#refresh");
        await Expect(row).ToContainTextAsync("ENABLED");
        await row.Locator("button", new() { HasText = "Pause" }).ClickAsync();
        await Expect(row).ToContainTextAsync("PAUSED");
        await Expect(row.Locator("button")).ToHaveTextAsync("Resume");
        Assert.Equal("PAUSED", await herald.Client.WebhookStatusAsync(webhookId));
    }

    private static async Task<string?> DeliveryStatusAsync(HeraldHost herald, string webhookId)
    {
        var list = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={webhookId}");
        return list.GetProperty("objects").EnumerateArray().Select(d => d.GetProperty("status").GetString()).FirstOrDefault();
    }
}
