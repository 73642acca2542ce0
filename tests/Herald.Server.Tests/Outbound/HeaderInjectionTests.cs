using System.Net;
using System.Text.Json;
using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Server.Tests.Infrastructure;
using Herald.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Outbound;

/// <summary>
/// Header injection and request smuggling, watched on the wire: the receiver is a raw socket, so
/// what it records is every byte Herald sent, not what an HTTP parser made of them.
/// </summary>
public sealed class HeaderInjectionTests
{
    /// <summary>A CRLF payload that adds a header and, behind an empty body, a second request.</summary>
    private const string Smuggle = "x\r\nX-Injected: 1\r\nContent-Length: 0\r\n\r\nPOST /smuggled HTTP/1.1\r\nHost: evil\r\nX-Pad: ";

    [Theory]
    [InlineData("realm", "\"m\\r\\nX-Injected: 1\"")]
    [InlineData("realm", "\"m\\nX-Injected: 1\"")]
    [InlineData("realm", "\"m\\u0000\"")]
    [InlineData("realm", "\"m\\u001b[31m\"")]
    [InlineData("realm", "\"m\\u007f\"")]
    [InlineData("event_type", "\"assets\\r\\nX-Injected: 1\"")]
    [InlineData("realm", "\"m\u00e9tadonn\u00e9es\"")]
    [InlineData("realm", "\"m\\u00e9tadonn\\u00e9es\"")]
    public async Task Publish_HeaderUnsafeField_Returns400AndNothingReachesTheWire(string field, string value)
    {
        await using var raw = new RawReceiver();
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = raw.Url("/hook") });
        var body = field == "realm"
            ? $$$"""{"event_type":"assets","operation":"update","realm":{{{value}}},"data":{}}"""
            : $$$"""{"event_type":{{{value}}},"operation":"update","data":{}}""";

        using var refused = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/events", body);
        await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","realm":"clean","data":{}}""");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(field, error.GetProperty("path").GetString());
        var wire = Assert.Single(await raw.WaitForAsync(1));
        Assert.Contains("X-Webhook-Event: assets.clean.update\r\n", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Injected", wire, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deliver_StoredEventWithCrLfRealm_FailsTheAttemptAndNeverInjects()
    {
        await using var raw = new RawReceiver();
        await using var herald = await HeraldHost.StartAsync();
        var webhookId = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = raw.Url("/hook"), retry_schedule = new[] { 3600 } })).GetProperty("id").GetString()!;

        // A row stored before publish refused such realms: written to the store directly.
        var poisoned = await StoreEventAsync(herald, webhookId, realm: Smuggle);
        await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","realm":"clean","data":{}}""");

        var attempt = await FirstAttemptAsync(herald, poisoned);
        Assert.Contains("refused to send", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("X-Injected", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        var wire = Assert.Single(await raw.WaitForAsync(1));
        AssertOneCleanRequest(wire);
        Assert.Equal(1, raw.Accepted);
    }

    [Fact]
    public async Task Deliver_StoredEventWithNonAsciiRealm_FailsTheAttemptNamingTheRule()
    {
        await using var raw = new RawReceiver();
        await using var herald = await HeraldHost.StartAsync();
        var webhookId = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = raw.Url("/hook"), retry_schedule = new[] { 3600 } })).GetProperty("id").GetString()!;

        // Stored before publish refused non-ASCII realms; publish and delivery agree on the rule.
        var poisoned = await StoreEventAsync(herald, webhookId, realm: "m\u00e9tadonn\u00e9es");
        await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","realm":"clean","data":{}}""");

        var error = (await FirstAttemptAsync(herald, poisoned)).GetProperty("error").GetString()!;
        Assert.Contains("refused to send: header X-Webhook-Event", error, StringComparison.Ordinal);
        Assert.Contains("non-ASCII", error, StringComparison.Ordinal);
        AssertOneCleanRequest(Assert.Single(await raw.WaitForAsync(1)));
    }

    [Theory]
    [InlineData("""{"access_token":"t\r\nX-Injected: 1\r\n\r\nPOST /smuggled HTTP/1.1","expires_in":3600}""", "refused to send: header Authorization")]
    [InlineData("""{"access_token":"caf\u00e9","expires_in":3600}""", "refused to send: header Authorization")]
    [InlineData("""{"access_token":5}""", "has no access_token")]
    [InlineData("""["access_token"]""", "has no access_token")]
    [InlineData("""{"access_token":"\ud800"}""", "is not JSON")]
    [InlineData("""{"access_token":"ok","expires_in":"3600"}""", null)]
    public async Task Deliver_TokenEndpointAnswersHostileJson_AttemptRecordedAndNothingInjected(string tokenResponse, string? error)
    {
        await using var raw = new RawReceiver();
        await using var tokens = await CannedServer.StartAsync(tokenResponse);
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = raw.Url("/hook"), retry_schedule = new[] { 3600 },
            auth = new { type = "oauth2", token_url = tokens.Url, grant_type = "client_credentials", client_id = "c", client_secret = "s" },
        });

        var eventId = (await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","data":{}}""")).GetProperty("ids")[0].GetString();

        var deliveryId = (await herald.Client.GetAsync("api/v1/deliveries")).GetProperty("objects")[0].GetProperty("id").GetString()!;
        var attempt = await FirstAttemptByDeliveryAsync(herald, deliveryId);
        Assert.NotNull(eventId);
        if (error is null)
        {
            Assert.Equal(200, attempt.GetProperty("status_code").GetInt32());
            Assert.Contains("Authorization: Bearer ok\r\n", Assert.Single(await raw.WaitForAsync(1)), StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(error, attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, raw.Accepted);
        }
    }

    [Fact]
    public async Task Patch_StoredWebhookWithUnsafeRealmAndHeader_UnrelatedChangeStillAccepted()
    {
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", realm = "r", url = "https://example.com/h" })).GetProperty("id").GetString()!;
        await herald.Services.GetRequiredService<IWebhookStore>().UpdateAsync(
            id, w => w with { Realm = "m\u00e9tadonn\u00e9es", Headers = new Dictionary<string, string> { ["X-Custom"] = Smuggle } }, CancellationToken.None);

        // An admin must be able to disable a webhook stored before the rules without fixing it first.
        var patched = await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"status":"DISABLED"}""");
        using var refused = await herald.Client.SendAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"realm":"m\u00e9tadonn\u00e9es"}""");

        Assert.Equal("DISABLED", patched.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    public static TheoryData<string> UnsafeDefinitions => ["header", "bearer"];

    [Theory]
    [MemberData(nameof(UnsafeDefinitions))]
    public async Task Deliver_StoredWebhookWithCrLfValue_FailsTheAttemptAndNeverInjects(string where)
    {
        await using var raw = new RawReceiver();
        await using var herald = await HeraldHost.StartAsync();
        var poisonedId = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", realm = "poisoned", url = raw.Url("/poisoned"), retry_schedule = new[] { 3600 } })).GetProperty("id").GetString()!;
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", realm = "clean", url = raw.Url("/hook") });

        // A definition stored before the API refused such values: changed in the store directly.
        await herald.Services.GetRequiredService<IWebhookStore>().UpdateAsync(
            poisonedId,
            w => where == "header"
                ? w with { Headers = new Dictionary<string, string> { ["X-Custom"] = Smuggle } }
                : w with { Auth = new WebhookAuth { Type = WebhookAuth.Bearer, Token = Smuggle } },
            CancellationToken.None);

        var poisoned = (await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","realm":"poisoned","data":{}}"""))
            .GetProperty("ids")[0].GetString()!;
        await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","realm":"clean","data":{}}""");

        var deliveries = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={poisonedId}");
        var deliveryId = deliveries.GetProperty("objects")[0].GetProperty("id").GetString()!;
        var attempt = await FirstAttemptByDeliveryAsync(herald, deliveryId);
        Assert.Contains("refused to send", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("X-Injected", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.NotNull(poisoned);
        var wire = Assert.Single(await raw.WaitForAsync(1));
        AssertOneCleanRequest(wire);
        Assert.Equal(1, raw.Accepted);
    }

    [Theory]
    [InlineData("""{"headers":{"X-Custom":"a\r\nX-Injected: 1"}}""", "headers.X-Custom")]
    [InlineData("""{"headers":{"X-Custom":"caf\u00e9"}}""", "headers.X-Custom")]
    [InlineData("""{"headers":{"X-Custom":"a\u0000"}}""", "headers.X-Custom")]
    [InlineData("""{"headers":{"X Bad":"a"}}""", "headers.X Bad")]
    [InlineData("""{"realm":"m\r\nX-Injected: 1"}""", "realm")]
    [InlineData("""{"realm":"m\u00e9tadonn\u00e9es"}""", "realm")]
    [InlineData("""{"event_type":"assets\nX-Injected: 1"}""", "event_type")]
    [InlineData("""{"auth":{"type":"bearer","token":"t\r\nX-Injected: 1"}}""", "auth.token")]
    [InlineData("""{"auth":{"type":"bearer","token":"t\u00e9"}}""", "auth.token")]
    [InlineData("""{"auth":{"type":"basic","username":"u\r\n","password":"p"}}""", "auth.username")]
    [InlineData("""{"auth":{"type":"basic","username":"u","password":"p\n"}}""", "auth.password")]
    [InlineData("""{"auth":{"type":"oauth2","token_url":"https://example.com/t","grant_type":"client_credentials","client_id":"c\r\n","client_secret":"s"}}""", "auth.client_id")]
    [InlineData("""{"auth":{"type":"oauth2","token_url":"https://example.com/t","grant_type":"client_credentials","client_id":"c","client_secret":"s","scope":"a\u0001"}}""", "auth.scope")]
    [InlineData("""{"auth":{"type":"oauth2","token_url":"https://example.com/t","grant_type":"password","client_id":"c","client_secret":"s","username":"u\r","password":"p"}}""", "auth.username")]
    public async Task Define_HeaderUnsafeValue_Returns400WithPathOnBothApis(string extra, string path)
    {
        await using var herald = await HeraldHost.StartAsync();
        var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(extra)!;
        var body = new Dictionary<string, object> { ["event_type"] = "assets", ["url"] = "https://example.com/h" };
        foreach (var (name, value) in fields)
        {
            body[name] = value;
        }

        var json = JsonSerializer.Serialize(body);
        using var herald400 = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", json);
        using var iconik = new IconikClient(herald.BaseUrl, HeraldHost.AdminKey);
        var (iconikStatus, iconikBody) = await iconik.SendAsync(HttpMethod.Post, IconikClient.Webhooks, json);

        Assert.Equal(HttpStatusCode.BadRequest, herald400.StatusCode);
        Assert.Equal(path, JsonDocument.Parse(await herald400.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("path").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, iconikStatus);
        var iconikError = iconikBody.GetProperty("errors")[0].GetString();
        Assert.Contains(path, iconikError, StringComparison.Ordinal);
        var listed = await herald.Client.GetAsync("api/v1/webhooks");
        Assert.Equal(0, listed.GetProperty("objects").GetArrayLength());
    }

    private static void AssertOneCleanRequest(string wire)
    {
        Assert.DoesNotContain("X-Injected", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("smuggled", wire, StringComparison.Ordinal);
        Assert.Equal(1, wire.Split("HTTP/1.1\r\n").Length - 1);
        Assert.StartsWith("POST /hook HTTP/1.1\r\n", wire, StringComparison.Ordinal);
    }

    private static async Task<string> StoreEventAsync(HeraldHost herald, string webhookId, string realm)
    {
        var now = DateTimeOffset.UtcNow;
        var body = """{"event_type":"assets","operation":"update","data":{}}"""u8.ToArray();
        var stored = new StoredEvent(Guid.CreateVersion7(now).ToString(), new PublishedEvent("assets", "update", realm, null, null, null, body), now);
        var delivery = new NewDelivery(Guid.CreateVersion7(now).ToString(), webhookId, stored.Id, null, null, now);
        await herald.Services.GetRequiredService<IEventStore>().IngestAsync(new IngestBatch([stored], [delivery], null, null, now), CancellationToken.None);
        herald.Services.GetRequiredService<Herald.Delivery.Dispatching.DispatchSignal>().Notify();
        return delivery.Id;
    }

    private static Task<JsonElement> FirstAttemptAsync(HeraldHost herald, string deliveryId) => FirstAttemptByDeliveryAsync(herald, deliveryId);

    private static async Task<JsonElement> FirstAttemptByDeliveryAsync(HeraldHost herald, string deliveryId)
    {
        JsonElement attempt = default;
        await Eventually.TrueAsync(
            async () =>
            {
                var delivery = await herald.Client.GetAsync($"api/v1/deliveries/{deliveryId}");
                if (delivery.GetProperty("attempts").GetArrayLength() == 0)
                {
                    return false;
                }

                attempt = delivery.GetProperty("attempts")[0];
                return true;
            },
            what: "the first attempt to be recorded");
        return attempt;
    }

    /// <summary>A token endpoint that answers every POST with the same JSON text.</summary>
    private sealed class CannedServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private CannedServer(WebApplication app, string url) => (_app, Url) = (app, url);

        public string Url { get; }

        public static async Task<CannedServer> StartAsync(string json)
        {
            var app = LoopbackApp.Create();
            app.MapPost("/token", () => Results.Text(json, "application/json"));
            return new CannedServer(app, await LoopbackApp.StartAsync(app) + "/token");
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
