using System.Text.Json;
using System.Text.RegularExpressions;
using Herald.Cli.Tests.Infrastructure;
using Herald.Signing;

namespace Herald.Cli.Tests.EndToEnd;

/// <summary>
/// The whole loop with real processes: a Herald server, <c>herald listen</c> as a child process, and the CLI creating
/// a webhook that points at it and publishing an event. The delivery shows up verified in listen's output.
/// </summary>
[Collection(HeraldServerCollection.Name)]
public sealed partial class ListenEndToEndTests(HeraldServerFixture herald)
{
    [Fact]
    public async Task Listen_WebhookCreatedAndEventPublishedWithCli_PrintsVerifiedDelivery()
    {
        var secret = WebhookSecret.Generate();
        await using var listen = ChildProcess.Start(Built.HeraldCliDll, ["listen", "--port", "0", "--secret", secret]);
        var banner = await listen.WaitForLineAsync(l => l.StartsWith("Listening on ", StringComparison.Ordinal), "herald listen to start");
        var listenUrl = ListenUrl().Match(banner).Value;

        var eventType = HeraldServerFixture.UniqueEventType();
        var webhook = JsonDocument.Parse(await CliRunner.SucceedAsync(herald.Env,
            "webhooks", "create", "--target", listenUrl + "/proxy", "--event-type", eventType, "--realm", "proxies", "--operation", "update",
            "--query", "data.status=\"CLOSED\"", "--secret", secret, "--json")).RootElement;
        var webhookId = webhook.GetProperty("id").GetString()!;
        var body = Built.Seed("blog-proxies-update.json").Replace("\"event_type\": \"assets\"", $"\"event_type\": \"{eventType}\"", StringComparison.Ordinal);
        await CliRunner.SucceedAsync(herald.Env, "events", "publish", body);

        await listen.WaitForLineAsync(l => l.StartsWith("  signature: ", StringComparison.Ordinal), "the delivery in listen's output");
        var deliveries = await herald.Server.WaitForSucceededAsync(webhookId, objectId: null, count: 1);
        var deliveryId = Assert.Single(deliveries).GetProperty("id").GetString();

        var output = listen.OutputText;
        Assert.Matches(@"(?m)^POST /proxy  \S+ \S+  -> 200$", output);
        Assert.Contains($"  event:     {eventType}.proxies.update", output, StringComparison.Ordinal);
        Assert.Contains($"  delivery:  {deliveryId}", output, StringComparison.Ordinal);
        Assert.Contains("  attempt:   1", output, StringComparison.Ordinal);
        Assert.Contains("  signature: verified (standard)", output, StringComparison.Ordinal);
        Assert.Contains("    \"status\": \"CLOSED\",", output, StringComparison.Ordinal);

        // Herald recorded listen's answer as the attempt's response.
        var shown = await CliRunner.SucceedAsync(herald.Env, "deliveries", "show", deliveryId!);
        Assert.Matches(@"(?m)^1\s+\S+ \S+\s+200\s+[\d.]+\s+-\s+\{""received"":true\}$", shown);
    }

    [Fact]
    public async Task Listen_StatusOption_HeraldRetriesSameDeliveryWithNextAttempt()
    {
        var secret = WebhookSecret.Generate();
        await using var listen = ChildProcess.Start(Built.HeraldCliDll, ["listen", "--port", "0", "--secret", secret, "--status", "500", "--json"]);
        var banner = await listen.WaitForLineAsync(l => l.StartsWith("Listening on ", StringComparison.Ordinal), "herald listen to start");
        var eventType = HeraldServerFixture.UniqueEventType();
        await CliRunner.SucceedAsync(herald.Env,
            "webhooks", "create", "-t", ListenUrl().Match(banner).Value + "/", "-e", eventType, "--secret", secret, "--retry-schedule", "1");

        await CliRunner.SucceedAsync(herald.Env, "events", "publish", EventsJson(eventType));

        await Eventually.TrueAsync(() => listen.StandardOutput.Count >= 2, "the first attempt and its retry");
        var lines = listen.StandardOutput.Take(2).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1, 2], lines.Select(l => l.GetProperty("attempt").GetInt32()));
        Assert.Equal(lines[0].GetProperty("delivery_id").GetString(), lines[1].GetProperty("delivery_id").GetString());
        Assert.All(lines, l => Assert.True(l.GetProperty("verification").GetProperty("valid").GetBoolean()));
        Assert.All(lines, l => Assert.Equal(500, l.GetProperty("status").GetInt32()));
    }

    private static string EventsJson(string eventType) =>
        JsonSerializer.Serialize(new { event_type = eventType, operation = "update", object_id = "a-1", data = new { status = "CLOSED" } });

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListenUrl();
}
