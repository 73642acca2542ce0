using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class WebhooksApiTests : IAsyncLifetime
{
    private HeraldHost _herald = null!;

    public async Task InitializeAsync() => _herald = await HeraldHost.StartAsync();

    public async Task DisposeAsync() => await _herald.DisposeAsync();

    [Fact]
    public async Task Create_ValidDefinition_Returns201WithSecretShownOnlyOnce()
    {
        var created = await _herald.Client.CreateWebhookAsync(new
        {
            name = "proxies", description = "d", url = "https://example.com/hook", event_type = "assets", operation = "update",
            realm = "proxies", object_id = "42", headers = new Dictionary<string, string> { ["X-Team"] = "media" },
            retry_schedule = new[] { 1, 2, 3 }, timeout_seconds = 10, query = "data.status=\"CLOSED\"",
        });

        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(secret["whsec_".Length..]).Length >= 24);
        Assert.Equal("ENABLED", created.GetProperty("status").GetString());
        var id = created.GetProperty("id").GetString()!;

        var fetched = await _herald.Client.GetAsync($"api/v1/webhooks/{id}");
        Assert.False(fetched.TryGetProperty("secret", out _));
        Assert.Equal("proxies", fetched.GetProperty("realm").GetString());
        Assert.Equal("42", fetched.GetProperty("object_id").GetString());
        Assert.Equal("media", fetched.GetProperty("headers").GetProperty("X-Team").GetString());
        Assert.Equal([1, 2, 3], fetched.GetProperty("retry_schedule").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(10, fetched.GetProperty("timeout_seconds").GetInt32());
        Assert.Equal("data.status=\"CLOSED\"", fetched.GetProperty("query").GetString());
        Assert.Equal(created.GetProperty("date_created").GetString(), fetched.GetProperty("date_created").GetString());

        var list = await _herald.Client.GetAsync("api/v1/webhooks");
        Assert.Contains(list.GetProperty("objects").EnumerateArray(), w => w.GetProperty("id").GetString() == id);
        Assert.DoesNotContain(list.GetProperty("objects").EnumerateArray(), w => w.TryGetProperty("secret", out _));
    }

    [Theory]
    [InlineData("""{"url":"https://e.com/h"}""", "event_type")]
    [InlineData("""{"event_type":"assets"}""", "url")]
    [InlineData("""{"event_type":"assets","url":"ftp://e.com/h"}""", "url")]
    [InlineData("""{"event_type":"assets","url":"not a url"}""", "url")]
    [InlineData("""{"event_type":"assets","url":"https://user:pw@e.com/h"}""", "url")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","operation":"explode"}""", "operation")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","status":"FAILING"}""", "status")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","status":"ON"}""", "status")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","timeout_seconds":61}""", "timeout_seconds")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","timeout_seconds":0}""", "timeout_seconds")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","retry_schedule":[5,-1]}""", "retry_schedule[1]")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","retry_schedule":"5"}""", "retry_schedule")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","headers":{"webhook-id":"x"}}""", "headers.webhook-id")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","headers":{"X-Webhook-Signature":"x"}}""", "headers.X-Webhook-Signature")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","headers":{"Host":"x"}}""", "headers.Host")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","headers":{"Content-Length":"1"}}""", "headers.Content-Length")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","headers":{"X-A":"a\r\nInjected: 1"}}""", "headers.X-A")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","headers":{"Bad Name":"a"}}""", "headers.Bad Name")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","headers":{"X-A":1}}""", "headers.X-A")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","secret":"plain"}""", "secret")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","name":5}""", "name")]
    public async Task Create_InvalidField_Returns400NamingTheField(string body, string path)
    {
        using var response = await _herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", body);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(path, error.GetProperty("path").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(0, (await _herald.Client.GetAsync("api/v1/webhooks")).GetProperty("objects").GetArrayLength());
    }

    [Fact]
    public async Task Create_ElevenHeaders_Returns400()
    {
        var headers = Enumerable.Range(0, 11).ToDictionary(i => $"X-H{i}", i => "v");
        using var response = await _herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", JsonSerializer.Serialize(new { event_type = "assets", url = "https://e.com/h", headers }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 10", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InvalidQuery_Returns400WithPosition()
    {
        using var response = await _herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks",
            """{"event_type":"assets","url":"https://e.com/h","query":"data.components.metadata.width>=\"1920\""}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("query", error.GetProperty("path").GetString());
        Assert.Equal(31, error.GetProperty("position").GetInt32());
    }

    [Fact]
    public async Task Create_HostnameAndPath_JoinsWithDefaultScheme()
    {
        var created = await _herald.Client.CreateWebhookAsync(new { event_type = "assets", hostname = "hooks.example.com", path = "/dam/events" });
        Assert.Equal("https://hooks.example.com/dam/events", created.GetProperty("url").GetString());

        var plain = await _herald.Client.CreateWebhookAsync(new { event_type = "assets", hostname = "http://hooks.example.com/", path = "x" });
        Assert.Equal("http://hooks.example.com/x", plain.GetProperty("url").GetString());
    }

    [Fact]
    public async Task PutAndPatch_ChangeFields_PutResetsAbsentPatchKeeps()
    {
        var id = (await _herald.Client.CreateWebhookAsync(new { name = "a", event_type = "assets", url = "https://e.com/h", realm = "proxies" })).GetProperty("id").GetString()!;

        var patched = await _herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"name":"b","status":"PAUSED"}""");
        Assert.Equal("b", patched.GetProperty("name").GetString());
        Assert.Equal("proxies", patched.GetProperty("realm").GetString());
        Assert.Equal("PAUSED", patched.GetProperty("status").GetString());

        var put = await _herald.Client.JsonAsync(HttpMethod.Put, $"api/v1/webhooks/{id}", """{"event_type":"collections","url":"https://e.com/other"}""");
        Assert.Equal("collections", put.GetProperty("event_type").GetString());
        Assert.Equal(JsonValueKind.Null, put.GetProperty("realm").ValueKind);
        Assert.Equal(JsonValueKind.Null, put.GetProperty("name").ValueKind);
        Assert.Equal("PAUSED", put.GetProperty("status").GetString());

        using var bad = await _herald.Client.SendAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"timeout_seconds":600}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(30, (await _herald.Client.GetAsync($"api/v1/webhooks/{id}")).GetProperty("timeout_seconds").GetInt32());
    }

    [Fact]
    public async Task Delete_Existing_Returns204ThenNotFound()
    {
        var id = (await _herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "https://e.com/h" })).GetProperty("id").GetString()!;

        using var deleted = await _herald.Client.SendAsync(HttpMethod.Delete, $"api/v1/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await _herald.Client.SendAsync(HttpMethod.Get, $"api/v1/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var again = await _herald.Client.SendAsync(HttpMethod.Delete, $"api/v1/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task List_ManyWebhooks_PagesWithCursorWithoutGapsOrDuplicates()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await _herald.Client.CreateWebhookAsync(new { event_type = "assets", url = $"https://e.com/{i}" })).GetProperty("id").GetString()!);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _herald.Client.GetAsync("api/v1/webhooks?limit=3" + (cursor is null ? string.Empty : $"&cursor={cursor}"));
            Assert.InRange(page.GetProperty("objects").GetArrayLength(), 1, 3);
            seen.AddRange(page.GetProperty("objects").EnumerateArray().Select(w => w.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);

        // Ids are UUIDv7: creation order to the millisecond, so compare as sets and check the order.
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        using var bad = await _herald.Client.SendAsync(HttpMethod.Get, "api/v1/webhooks?limit=1001");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task List_DomainKey_PagesThroughItsOwnDomainOnly()
    {
        const string domain = "bf0b8c12-7ccc-11e7-8d93-0a580a00022b";
        var own = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            own.Add((await _herald.Client.CreateWebhookAsync(new { event_type = "assets", url = $"https://e.com/{i}", domain_id = domain })).GetProperty("id").GetString()!);
            await _herald.Client.CreateWebhookAsync(new { event_type = "assets", url = $"https://e.com/other/{i}", domain_id = "1297c8b6-3563-11e7-adf1-6c4008b85488" });
            await _herald.Client.CreateWebhookAsync(new { event_type = "assets", url = $"https://e.com/global/{i}" });
        }

        var key = await _herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = domain }), HttpStatusCode.Created);
        using var tenant = _herald.CreateClient(key.GetProperty("key").GetString()!);
        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await tenant.GetAsync("api/v1/webhooks?limit=2" + (cursor is null ? string.Empty : $"&cursor={cursor}"));
            seen.AddRange(page.GetProperty("objects").EnumerateArray().Select(w => w.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(own.Order(StringComparer.Ordinal), seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task RotateSecret_Webhook_ReturnsNewSecretAndBothSign()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var created = await _herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/r") });
        var id = created.GetProperty("id").GetString()!;
        var oldSecret = created.GetProperty("secret").GetString()!;

        var rotated = await _herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{id}/secret/rotate", """{"grace_seconds":3600}""");
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);

        await _herald.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));
        var request = (await receiver.WaitForAsync(1))[0];
        var signatures = request.Header("webhook-signature").Split(' ');
        Assert.Equal(2, signatures.Length);
        var seconds = long.Parse(request.Header("webhook-timestamp"), System.Globalization.CultureInfo.InvariantCulture);
        foreach (var secret in new[] { oldSecret, newSecret })
        {
            Assert.True(Herald.Signing.StandardWebhookSignature.Verify(
                Herald.Signing.WebhookSecret.DecodeStandardKey(secret), request.Header("webhook-id"), seconds, request.Body, request.Header("webhook-signature")));
        }

        Assert.True(Herald.Signing.IgniteSignature.Verify(newSecret, request.Body, request.Header("X-Webhook-Signature")));
    }
}
