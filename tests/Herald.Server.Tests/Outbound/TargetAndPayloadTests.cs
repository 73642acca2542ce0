using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Herald.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;

namespace Herald.Server.Tests.Outbound;

public sealed class TargetAndPayloadTests
{
    private static readonly string Event = Seeds.Read("blog-proxies-update.json");
    private static readonly Dictionary<string, string?> NoAllowedNetworks = new() { ["Herald:AllowedNetworks"] = string.Empty };

    [Theory]
    [InlineData("http://127.0.0.1:8080/h")]
    [InlineData("http://10.0.0.5/h")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]:9000/h")]
    [InlineData("http://192.168.1.10/h")]
    [InlineData("http://0.0.0.0/h")]
    [InlineData("http://[::127.0.0.1]/h")]
    [InlineData("http://[::a9fe:a9fe]/h")]
    [InlineData("http://[::ffff:0:a9fe:a9fe]/h")]
    [InlineData("http://[::ffff:169.254.169.254]/h")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/h")]
    [InlineData("http://[2002:a9fe:a9fe::1]/h")]
    [InlineData("http://127.0.0.1./h")]
    [InlineData("http://169.254.169.254./latest/meta-data")]
    [InlineData("http://2130706433/h")]
    [InlineData("http://0x7f.1/h")]
    public async Task Create_LiteralNonPublicAddress_Returns400UnlessAllowed(string url)
    {
        await using var guarded = await HeraldHost.StartAsync(settings: NoAllowedNetworks);

        using var response = await guarded.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", JsonSerializer.Serialize(new { event_type = "assets", url }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("url", error.GetProperty("path").GetString());
        Assert.Contains("HERALD_ALLOWED_NETWORKS", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://169.254.169.254/token", "is not public")]
    [InlineData("http://[::a9fe:a9fe]/token", "is not public")]
    [InlineData("http://127.0.0.1./token", "is not public")]
    [InlineData("http://user:secretpass@tokens.example.com/token", "credentials in the URL")]
    [InlineData("ftp://tokens.example.com/token", "absolute http or https URL")]
    public async Task Create_OAuthTokenUrlNotAllowed_Returns400OnAuthTokenUrl(string tokenUrl, string message)
    {
        await using var guarded = await HeraldHost.StartAsync(settings: NoAllowedNetworks);
        var auth = new { type = "oauth2", token_url = tokenUrl, grant_type = "client_credentials", client_id = "c", client_secret = "s" };

        using var response = await guarded.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", JsonSerializer.Serialize(new { event_type = "assets", url = "https://example.com/h", auth }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal("auth.token_url", error.GetProperty("path").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secretpass", text, StringComparison.Ordinal);
        Assert.Equal(0, (await guarded.Client.GetAsync("api/v1/webhooks")).GetProperty("objects").GetArrayLength());
    }

    [Fact]
    public async Task Send_StoredTokenUrlWithUserInfo_ErrorAndLastErrorAndGetNeverShowIt()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var id = (await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = "http://127.0.0.1:9/h", retry_schedule = Array.Empty<int>(),
            auth = new { type = "oauth2", token_url = $"http://127.0.0.1:{port}/token", grant_type = "client_credentials", client_id = "c", client_secret = "s" },
        })).GetProperty("id").GetString()!;

        // A definition stored before token_url credentials were refused.
        await herald.Services.GetRequiredService<IWebhookStore>().UpdateAsync(
            id, w => w with { Auth = w.Auth! with { TokenUrl = $"http://tokenuser:secretpass@127.0.0.1:{port}/token" } }, CancellationToken.None);
        await herald.Client.PublishAsync(Event);

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync("api/v1/deliveries?status=failed")).GetProperty("objects").GetArrayLength() == 1);
        var deliveryId = (await herald.Client.GetAsync("api/v1/deliveries")).GetProperty("objects")[0].GetProperty("id").GetString();
        var delivery = await herald.Client.GetAsync($"api/v1/deliveries/{deliveryId}");
        var webhook = await herald.Client.GetAsync($"api/v1/webhooks/{id}");
        var error = delivery.GetProperty("attempts")[0].GetProperty("error").GetString()!;
        Assert.Contains($"oauth2 token request to http://127.0.0.1:{port}/token", error, StringComparison.Ordinal);
        foreach (var text in new[] { delivery.GetRawText(), webhook.GetRawText() })
        {
            Assert.DoesNotContain("secretpass", text, StringComparison.Ordinal);
            Assert.DoesNotContain("tokenuser", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Send_HostnameResolvingToLoopback_RefusedAfterDns()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var guarded = await HeraldHost.StartAsync(settings: NoAllowedNetworks);
        var port = new Uri(receiver.BaseUrl).Port;
        await guarded.Client.CreateWebhookAsync(new { event_type = "assets", url = $"http://localhost:{port}/ssrf", retry_schedule = Array.Empty<int>() });

        await guarded.Client.PublishAsync(Event);

        await Eventually.TrueAsync(async () => (await guarded.Client.GetAsync("api/v1/deliveries?status=failed")).GetProperty("objects").GetArrayLength() == 1);
        var id = (await guarded.Client.GetAsync("api/v1/deliveries")).GetProperty("objects")[0].GetProperty("id").GetString();
        var error = (await guarded.Client.GetAsync($"api/v1/deliveries/{id}")).GetProperty("attempts")[0].GetProperty("error").GetString()!;
        Assert.StartsWith("refused by the SSRF guard", error, StringComparison.Ordinal);
        Assert.Contains("loopback", error, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task Send_HostnameInsideAllowedNetworks_Delivered()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var port = new Uri(receiver.BaseUrl).Port;
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = $"http://localhost:{port}/ok" });

        await herald.Client.PublishAsync(Event);

        await receiver.WaitForAsync(1);
    }

    [Fact]
    public async Task Send_TargetRedirects_NotFollowedAndCountedAsFailure()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = r => r.Path == "/moved" ? 302 : 200;
        receiver.ResponseHeaders = r => r.Path == "/moved" ? new Dictionary<string, string> { ["Location"] = receiver.Url("/elsewhere") } : null;
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/moved"), retry_schedule = Array.Empty<int>() });

        await herald.Client.PublishAsync(Event);

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync("api/v1/deliveries?status=failed")).GetProperty("objects").GetArrayLength() == 1);
        Assert.Equal(["/moved"], receiver.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Payload_FieldsAndDataBody_ShapedBodyIsWhatIsSigned()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var shaped = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/fields"), payload = new { fields = new[] { "object_id", "data.status", "data.resolution.width" } } });
        var data = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/data"), payload = new { body = "data", fields = new[] { "data.status", "data.name" } } });

        await herald.Client.PublishAsync(Event);

        var requests = await receiver.WaitForAsync(2);
        var fields = requests.Single(r => r.Path == "/fields");
        Assert.Equal("""{"data":{"resolution":{"width":1280},"status":"CLOSED"},"object_id":"c521e01a-f0a2-11e7-b528-0a580a000257"}""", fields.BodyText);
        var body = requests.Single(r => r.Path == "/data");
        Assert.Equal("""{"name":"2015-Mille-lowres.jpg","status":"CLOSED"}""", body.BodyText);
        foreach (var (request, webhook) in new[] { (fields, shaped), (body, data) })
        {
            var secret = webhook.GetProperty("secret").GetString()!;
            new StandardWebhook(secret).Verify(request.BodyText, Headers(request));
            var ignite = request.Header("X-Webhook-Signature").Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            byte[] message = [.. Encoding.UTF8.GetBytes(ignite["t"] + "."), .. request.Body];
            Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message)), ignite["v1"]);
        }

        Assert.Equal("data", data.GetProperty("payload").GetProperty("body").GetString());
    }

    [Fact]
    public async Task Payload_InvalidField_Returns400()
    {
        await using var herald = await HeraldHost.StartAsync();

        using var response = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", """{"event_type":"assets","url":"https://e.com/h","payload":{"body":"all"}}""");
        using var badPath = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", """{"event_type":"assets","url":"https://e.com/h","payload":{"fields":["data..x"]}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badPath.StatusCode);
        Assert.Contains("payload.fields", await badPath.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotation_GracePeriod_BothSecretsVerifyThenOnlyTheNew()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var created = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/r") });
        var id = created.GetProperty("id").GetString()!;
        var oldSecret = created.GetProperty("secret").GetString()!;
        var newSecret = (await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{id}/secret/rotate")).GetProperty("secret").GetString()!;

        await herald.Client.PublishAsync(Event);
        var during = (await receiver.WaitForAsync(1))[0];
        clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await herald.Client.PublishAsync(Event);
        var after = (await receiver.WaitForAsync(2))[1];

        Assert.True(VerifiesWith(during, oldSecret));
        Assert.True(VerifiesWith(during, newSecret));
        Assert.False(VerifiesWith(after, oldSecret));
        Assert.True(VerifiesWith(after, newSecret));
        Assert.Single(after.Header("webhook-signature").Split(' '));
    }

    [Fact]
    public async Task RetryAfter_On429_NextAttemptHonoursItWithinTwiceTheSchedule()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 429;
        receiver.ResponseHeaders = _ => new Dictionary<string, string> { ["Retry-After"] = "150" };
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/slow-down"), retry_schedule = new[] { 100 } });

        await herald.Client.PublishAsync(Event);
        await receiver.WaitForAsync(1);

        JsonElement delivery = default;
        await Eventually.TrueAsync(async () =>
        {
            delivery = (await herald.Client.GetAsync("api/v1/deliveries")).GetProperty("objects")[0];
            return delivery.GetProperty("attempt_count").GetInt32() == 1;
        });
        var id = delivery.GetProperty("id").GetString();
        var detail = await herald.Client.GetAsync($"api/v1/deliveries/{id}");
        var started = detail.GetProperty("attempts")[0].GetProperty("started_at").GetDateTimeOffset();
        var next = detail.GetProperty("next_attempt_at").GetDateTimeOffset();
        Assert.InRange((next - started).TotalSeconds, 149, 170);
    }

    [Fact]
    public async Task Throttle_503WithoutRetryAfter_NeverSoonerThanAMinute()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 503;
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/busy"), retry_schedule = new[] { 1 } });

        await herald.Client.PublishAsync(Event);
        await receiver.WaitForAsync(1);

        JsonElement detail = default;
        await Eventually.TrueAsync(async () =>
        {
            var id = (await herald.Client.GetAsync("api/v1/deliveries")).GetProperty("objects")[0].GetProperty("id").GetString();
            detail = await herald.Client.GetAsync($"api/v1/deliveries/{id}");
            return detail.GetProperty("attempt_count").GetInt32() == 1;
        });
        var gap = detail.GetProperty("next_attempt_at").GetDateTimeOffset() - detail.GetProperty("attempts")[0].GetProperty("started_at").GetDateTimeOffset();
        Assert.InRange(gap.TotalSeconds, 60, 75);
    }

    private static bool VerifiesWith(ReceivedRequest request, string secret) =>
        Herald.Signing.StandardWebhookSignature.Verify(
            Herald.Signing.WebhookSecret.DecodeStandardKey(secret),
            request.Header("webhook-id"),
            long.Parse(request.Header("webhook-timestamp"), CultureInfo.InvariantCulture),
            request.Body,
            request.Header("webhook-signature"));

    private static HeaderDictionary Headers(ReceivedRequest request) => new()
    {
        ["webhook-id"] = request.Header("webhook-id"),
        ["webhook-timestamp"] = request.Header("webhook-timestamp"),
        ["webhook-signature"] = request.Header("webhook-signature"),
    };
}
