using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>The seed events, published to a real server and received by a real Kestrel receiver.</summary>
public sealed class SeedDeliveryTests
{
    [Fact]
    public async Task Publish_SeedEvents_ArriveWithExactBodiesHeadersAndBothSignatures()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var formats = await herald.Client.CreateWebhookAsync(new { name = "formats", url = receiver.Url("/formats"), event_type = "assets", realm = "formats", operation = "update" });
        var metadata = await herald.Client.CreateWebhookAsync(new { name = "metadata", url = receiver.Url("/metadata"), event_type = "assets", realm = "metadata" });
        var create = await herald.Client.CreateWebhookAsync(new { name = "create", url = receiver.Url("/create"), event_type = "assets", realm = "entity", operation = "create" });
        var proxy = await herald.Client.CreateWebhookAsync(new { name = "proxy", url = receiver.Url("/proxy"), event_type = "assets", realm = "proxies", operation = "update" });

        // Two single publishes (iconik document) and one array publish (blog post).
        var formatsText = Seeds.Read("iconik-formats.json").Trim();
        var metadataText = Seeds.Read("iconik-metadata.json").Trim();
        var createText = Seeds.Read("blog-entity-create.json").Trim();
        var proxyText = Seeds.Read("blog-proxies-update.json").Trim();
        var before = DateTimeOffset.UtcNow;
        var formatsIds = await herald.Client.PublishAsync(formatsText);
        await herald.Client.PublishAsync(metadataText);
        var blogIds = await herald.Client.PublishAsync($"[{createText},\n{proxyText}]");
        Assert.Equal(1, formatsIds.GetProperty("ids").GetArrayLength());
        Assert.Equal(2, blogIds.GetProperty("ids").GetArrayLength());

        var requests = await receiver.WaitForAsync(4);
        Assert.Equal(4, requests.Count);
        var expected = new Dictionary<string, (string Body, JsonElement Webhook, string Event)>
        {
            ["/formats"] = (formatsText, formats, "assets.formats.update"),
            ["/metadata"] = (metadataText, metadata, "assets.metadata.update"),
            ["/create"] = (createText, create, "assets.entity.create"),
            ["/proxy"] = (proxyText, proxy, "assets.proxies.update"),
        };
        foreach (var request in requests)
        {
            var (body, webhook, eventName) = expected[request.Path];
            var secret = webhook.GetProperty("secret").GetString()!;
            Assert.Equal(Encoding.UTF8.GetBytes(body), request.Body);
            Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
            Assert.Equal(eventName, request.Header("X-Webhook-Event"));
            Assert.Equal("1", request.Header("X-Webhook-Attempt"));
            Assert.Equal(request.Header("webhook-id"), request.Header("X-Webhook-Delivery-Id"));
            var timestamp = long.Parse(request.Header("webhook-timestamp"), CultureInfo.InvariantCulture);
            Assert.InRange(timestamp, before.ToUnixTimeSeconds() - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

            // Standard Webhooks, checked by an implementation we did not write.
            var headers = new HeaderDictionary
            {
                ["webhook-id"] = request.Header("webhook-id"),
                ["webhook-timestamp"] = request.Header("webhook-timestamp"),
                ["webhook-signature"] = request.Header("webhook-signature"),
            };
            new StandardWebhook(secret).Verify(request.BodyText, headers);

            // Ignite: t=<ms>,v1=hex(HMAC-SHA256(utf8(secret), t + "." + body)).
            var ignite = request.Header("X-Webhook-Signature");
            var parts = ignite.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            byte[] message = [.. Encoding.UTF8.GetBytes(parts["t"] + "."), .. request.Body];
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
            Assert.Equal(Convert.ToHexStringLower(mac), parts["v1"]);
            Assert.InRange(long.Parse(parts["t"], CultureInfo.InvariantCulture), before.ToUnixTimeMilliseconds() - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
        }

        var formatsDelivery = requests.Single(r => r.Path == "/formats").Header("webhook-id");
        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync($"api/v1/deliveries/{formatsDelivery}")).GetProperty("status").GetString() == "succeeded");
        var delivery = await herald.Client.GetAsync($"api/v1/deliveries/{formatsDelivery}");
        Assert.Equal(formatsIds.GetProperty("ids")[0].GetString(), delivery.GetProperty("event_id").GetString());
        Assert.Equal("918728e2-bc1c-11ed-aaef-66cff3148306", delivery.GetProperty("object_id").GetString());
        Assert.Equal(1, delivery.GetProperty("attempt_count").GetInt32());
        var attempt = delivery.GetProperty("attempts")[0];
        Assert.Equal(1, attempt.GetProperty("number").GetInt32());
        Assert.Equal(200, attempt.GetProperty("status_code").GetInt32());
        Assert.Equal("received /formats", attempt.GetProperty("response_body").GetString());
        Assert.True(attempt.GetProperty("duration_ms").GetDouble() >= 0);
    }

    [Fact]
    public async Task Publish_EventMatchingNoWebhook_StoresNoDeliveries()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var webhook = await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/x"), event_type = "assets", realm = "proxies", operation = "update" });

        await herald.Client.PublishAsync(Seeds.Read("blog-entity-create.json"));
        await herald.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));

        await receiver.WaitForAsync(1);
        var list = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={webhook.GetProperty("id").GetString()}");
        Assert.Equal(1, list.GetProperty("objects").GetArrayLength());
        Assert.Equal("/x", receiver.Requests.Single().Path);
        Assert.Equal("assets.proxies.update", receiver.Requests.Single().Header("X-Webhook-Event"));
    }
}
