using System.Text.Json;
using Herald.Cli.Tests.Infrastructure;

namespace Herald.Cli.Tests.Commands;

[Collection(HeraldServerCollection.Name)]
public sealed class EventsAndDeliveriesCommandTests(HeraldServerFixture herald)
{
    [Fact]
    public async Task Publish_InlineFileAndStdin_AllAccepted()
    {
        var type = HeraldServerFixture.UniqueEventType();
        var json = Event(type, "obj-1");
        var file = Path.Combine(Built.TempDirectory(), "event.json");
        await File.WriteAllTextAsync(file, $"[{json},{Event(type, "obj-2")}]");

        var inline = await CliRunner.SucceedAsync(herald.Env, "events", "publish", json);
        var fromFile = await CliRunner.SucceedAsync(herald.Env, "events", "publish", file, "--json");
        var fromStdin = await CliRunner.RunWithInputAsync(herald.Env, json, "events", "publish", "-");

        Assert.Matches(@"^EVENT ID\n\S+\n$", inline);
        Assert.Equal(2, JsonDocument.Parse(fromFile).RootElement.GetProperty("ids").GetArrayLength());
        Assert.Equal(0, fromStdin.ExitCode);
        Assert.Matches(@"^EVENT ID\n\S+\n$", fromStdin.Output);
    }

    [Fact]
    public async Task Publish_IdempotencyKey_ReturnsSameIds()
    {
        var type = HeraldServerFixture.UniqueEventType();
        var key = Guid.NewGuid().ToString();

        var first = await CliRunner.SucceedAsync(herald.Env, "events", "publish", Event(type, "x"), "--idempotency-key", key);
        var second = await CliRunner.SucceedAsync(herald.Env, "events", "publish", Event(type, "x"), "--idempotency-key", key);

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Publish_InvalidJson_ExitsUsage()
    {
        var result = await CliRunner.RunAsync(herald.Env, "events", "publish", "{\"event_type\":");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not valid JSON", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_MissingFile_ExitsUsage()
    {
        var result = await CliRunner.RunAsync(herald.Env, "events", "publish", "/nonexistent/event.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot read the event", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_EventRejectedByHerald_ExitsApiErrorWithPath()
    {
        var result = await CliRunner.RunAsync(herald.Env, "events", "publish", """{"event_type":"assets","data":{}}""");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 400 operation is required\n  at: operation\n", result.Error);
    }

    [Fact]
    public async Task Deliveries_ListShowRetry_TableJsonAndAttempts()
    {
        await using var receiver = await StubEndpoint.StartAsync();
        var type = HeraldServerFixture.UniqueEventType();
        var webhook = JsonDocument.Parse(await CliRunner.SucceedAsync(herald.Env, "webhooks", "create", "-t", receiver.Url("/hook"), "-e", type, "--json")).RootElement;
        var webhookId = webhook.GetProperty("id").GetString()!;
        await CliRunner.SucceedAsync(herald.Env, "events", "publish", Event(type, "asset-42"));
        var deliveries = await herald.Server.WaitForSucceededAsync(webhookId, "asset-42", 1);
        var deliveryId = deliveries[0].GetProperty("id").GetString()!;

        var table = await CliRunner.SucceedAsync(herald.Env, "deliveries", "list", "--webhook-id", webhookId, "--status", "succeeded");
        var json = JsonDocument.Parse(await CliRunner.SucceedAsync(herald.Env, "deliveries", "list", "-w", webhookId, "--object-id", "asset-42", "--json")).RootElement;
        var shown = await CliRunner.SucceedAsync(herald.Env, "deliveries", "show", deliveryId);

        Assert.Matches(@"^ID\s+STATUS\s+ATTEMPTS\s+LAST\s+NEXT ATTEMPT\s+WEBHOOK\s+OBJECT\s+CREATED\n", table);
        Assert.Matches($@"(?m)^{deliveryId}\s+succeeded\s+1\s+200\s+-\s+{webhookId}\s+asset-42\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ$", table);
        Assert.Equal(deliveryId, Assert.Single(json.GetProperty("objects").EnumerateArray()).GetProperty("id").GetString());
        Assert.Matches(@"(?m)^status:\s+succeeded$", shown);
        Assert.Matches(@"(?m)^ATTEMPT\s+STARTED\s+STATUS\s+MS\s+ERROR\s+RESPONSE$", shown);
        Assert.Matches(@"(?m)^1\s+\S+ \S+\s+200\s+[\d.]+\s+-\s+received /hook$", shown);

        var retried = await CliRunner.SucceedAsync(herald.Env, "deliveries", "retry", deliveryId);
        Assert.Matches(@"(?m)^status:\s+pending$", retried);
        await Eventually.TrueAsync(() => receiver.Requests.Count == 2, "the retried delivery to arrive");
        Assert.All(receiver.Requests, r => Assert.Equal(deliveryId, r.Header("webhook-id")));
    }

    [Fact]
    public async Task Deliveries_ShowUnknown_ExitsApiError()
    {
        var result = await CliRunner.RunAsync(herald.Env, "deliveries", "show", "no-such-delivery");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 404 delivery not found\n", result.Error);
    }

    [Fact]
    public async Task Deliveries_BadStatusFilter_ExitsApiError()
    {
        var result = await CliRunner.RunAsync(herald.Env, "deliveries", "list", "--status", "lost");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("at: status", result.Error, StringComparison.Ordinal);
    }

    internal static string Event(string type, string objectId) =>
        JsonSerializer.Serialize(new { event_type = type, realm = "entity", operation = "create", object_id = objectId, data = new { title = "Clip" } });
}
