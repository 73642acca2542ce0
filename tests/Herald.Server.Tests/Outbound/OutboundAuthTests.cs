using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.Outbound;

public sealed class OutboundAuthTests
{
    private static readonly string Event = Seeds.Read("blog-proxies-update.json");

    [Fact]
    public async Task Basic_TargetChecksCredentials_Delivered()
    {
        await using var target = await TestReceiver.StartAsync();
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("media:pa ss"));
        target.Respond = r => r.Header("Authorization") == expected ? 200 : 401;
        await using var herald = await HeraldHost.StartAsync();
        var created = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = target.Url("/b"), auth = new { type = "basic", username = "media", password = "pa ss" } });

        await herald.Client.PublishAsync(Event);

        await target.WaitForAsync(1);
        await WaitForStatusAsync(herald, "succeeded", 1);
        Assert.Equal("basic", created.GetProperty("auth").GetProperty("type").GetString());
        Assert.Equal("media", created.GetProperty("auth").GetProperty("username").GetString());
        Assert.False(created.GetProperty("auth").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Bearer_StaticToken_SentAndNeverReturned()
    {
        await using var target = await TestReceiver.StartAsync();
        target.Respond = r => r.Header("Authorization") == "Bearer static-token-123" ? 200 : 401;
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = target.Url("/t"), auth = new { type = "bearer", token = "static-token-123" } })).GetProperty("id").GetString();

        await herald.Client.PublishAsync(Event);

        await WaitForStatusAsync(herald, "succeeded", 1);
        var fetched = await herald.Client.GetAsync($"api/v1/webhooks/{id}");
        Assert.DoesNotContain("static-token-123", fetched.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("bearer", fetched.GetProperty("auth").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Credentials_AtRest_AreEncryptedInTheDatabase()
    {
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "https://example.com/h", auth = new { type = "basic", username = "u", password = "PlainPasswordMarker" } });
        var secret = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "https://example.com/h2" })).GetProperty("secret").GetString()!;

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var bytes = string.Join("\n", Directory.GetFiles(Path.GetDirectoryName(herald.DatabasePath)!, "herald.db*").Select(File.ReadAllBytes).Select(Encoding.UTF8.GetString));
        Assert.DoesNotContain("PlainPasswordMarker", bytes, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["whsec_".Length..], bytes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OAuth2_ClientCredentials_OneTokenFetchForManyDeliveries()
    {
        await using var tokens = await TestTokenServer.StartAsync();
        await using var target = await TestReceiver.StartAsync();
        target.Respond = r => tokens.Accepts(r.Header("Authorization")) ? 200 : 401;
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = target.Url("/o"),
            auth = new { type = "oauth2", token_url = tokens.TokenUrl, grant_type = "client_credentials", client_id = tokens.ClientId, client_secret = tokens.ClientSecret, scope = "hooks" },
        });

        await herald.Client.PublishAsync("[" + string.Join(",", Enumerable.Repeat(Event, 20)) + "]");

        await WaitForStatusAsync(herald, "succeeded", 20);
        Assert.Equal(1, tokens.Issued);
        Assert.Equal(["basic"], tokens.ClientAuthModes);
        Assert.All(target.Requests, r => Assert.Equal("Bearer tok-1", r.Header("Authorization")));
    }

    [Fact]
    public async Task OAuth2_TokenExpires_FetchesANewOne()
    {
        await using var tokens = await TestTokenServer.StartAsync();
        tokens.ExpiresInSeconds = 2;
        await using var target = await TestReceiver.StartAsync();
        target.Respond = r => tokens.Accepts(r.Header("Authorization")) ? 200 : 401;
        // Herald's clock is a fake one: the token's lifetime runs out when the test says, not after a sleep.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var herald = await HeraldHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = target.Url("/o"),
            auth = new { type = "oauth2", token_url = tokens.TokenUrl, grant_type = "client_credentials", client_id = tokens.ClientId, client_secret = tokens.ClientSecret },
        });

        await herald.Client.PublishAsync(Event);
        await WaitForStatusAsync(herald, "succeeded", 1);
        clock.Advance(TimeSpan.FromSeconds(2));
        await herald.Client.PublishAsync(Event);

        await WaitForStatusAsync(herald, "succeeded", 2);
        Assert.Equal(2, tokens.Issued);
        Assert.Equal("Bearer tok-2", target.Requests[^1].Header("Authorization"));
        Assert.Equal(2, target.Requests.Count);
    }

    [Fact]
    public async Task OAuth2_TargetAnswers401_RefreshesOnceWithinTheSameAttempt()
    {
        await using var tokens = await TestTokenServer.StartAsync();
        await using var target = await TestReceiver.StartAsync();
        target.Respond = r => tokens.Accepts(r.Header("Authorization")) ? 200 : 401;
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = target.Url("/o"),
            auth = new { type = "oauth2", token_url = tokens.TokenUrl, grant_type = "client_credentials", client_id = tokens.ClientId, client_secret = tokens.ClientSecret },
        });
        await herald.Client.PublishAsync(Event);
        await WaitForStatusAsync(herald, "succeeded", 1);

        tokens.RevokeAll();
        await herald.Client.PublishAsync(Event);

        await WaitForStatusAsync(herald, "succeeded", 2);
        Assert.Equal(2, tokens.Issued);
        Assert.Equal(["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"], target.Requests.Select(r => r.Header("Authorization")));
        var latest = (await herald.Client.GetAsync("api/v1/deliveries?limit=1")).GetProperty("objects")[0];
        Assert.Equal(1, latest.GetProperty("attempt_count").GetInt32());
    }

    [Fact]
    public async Task OAuth2_ServerRefusesBasicClientAuth_FallsBackToBodyAndRemembers()
    {
        await using var tokens = await TestTokenServer.StartAsync("editor", "pw");
        tokens.RejectBasicAuth = true;
        tokens.ExpiresInSeconds = 2;
        await using var target = await TestReceiver.StartAsync();
        target.Respond = r => tokens.Accepts(r.Header("Authorization")) ? 200 : 401;
        // Herald's clock is a fake one: the token's lifetime runs out when the test says, not after a sleep.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var herald = await HeraldHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = target.Url("/o"),
            auth = new { type = "oauth2", token_url = tokens.TokenUrl, grant_type = "password", client_id = tokens.ClientId, client_secret = tokens.ClientSecret, username = "editor", password = "pw" },
        });

        await herald.Client.PublishAsync(Event);
        await WaitForStatusAsync(herald, "succeeded", 1);
        clock.Advance(TimeSpan.FromSeconds(2));
        await herald.Client.PublishAsync(Event);
        await WaitForStatusAsync(herald, "succeeded", 2);

        Assert.Equal(["basic", "body", "body"], tokens.ClientAuthModes);
        Assert.Equal(2, tokens.Issued);
    }

    [Fact]
    public async Task OAuth2_TokenEndpointRefuses_AttemptFailsWithClearError()
    {
        await using var tokens = await TestTokenServer.StartAsync();
        await using var target = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = target.Url("/o"), retry_schedule = Array.Empty<int>(),
            auth = new { type = "oauth2", token_url = tokens.TokenUrl, grant_type = "client_credentials", client_id = tokens.ClientId, client_secret = "wrong" },
        });

        await herald.Client.PublishAsync(Event);

        await WaitForStatusAsync(herald, "failed", 1);
        var id = (await herald.Client.GetAsync("api/v1/deliveries")).GetProperty("objects")[0].GetProperty("id").GetString();
        var error = (await herald.Client.GetAsync($"api/v1/deliveries/{id}")).GetProperty("attempts")[0].GetProperty("error").GetString()!;
        Assert.Contains("oauth2 token request", error, StringComparison.Ordinal);
        Assert.Contains("401", error, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", error, StringComparison.Ordinal);
        Assert.Empty(target.Requests);
    }

    [Theory]
    [InlineData("""{"type":"basic","password":"p"}""", "auth.username")]
    [InlineData("""{"type":"basic","username":"u"}""", "auth.password")]
    [InlineData("""{"type":"bearer"}""", "auth.token")]
    [InlineData("""{"type":"kerberos"}""", "auth.type")]
    [InlineData("""{"type":"oauth2","grant_type":"client_credentials","client_id":"c","client_secret":"s"}""", "auth.token_url")]
    [InlineData("""{"type":"oauth2","token_url":"https://idp.example.com/token","grant_type":"implicit","client_id":"c","client_secret":"s"}""", "auth.grant_type")]
    [InlineData("""{"type":"oauth2","token_url":"https://idp.example.com/token","grant_type":"password","client_id":"c","client_secret":"s"}""", "auth.username")]
    public async Task Create_IncompleteAuth_Returns400NamingTheField(string auth, string path)
    {
        await using var herald = await HeraldHost.StartAsync();

        using var response = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", $$"""{"event_type":"assets","url":"https://example.com/h","auth":{{auth}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(path, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("path").GetString());
    }

    [Fact]
    public async Task Create_AuthorizationHeaderWithAuth_Returns400()
    {
        await using var herald = await HeraldHost.StartAsync();

        using var response = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks",
            """{"event_type":"assets","url":"https://example.com/h","headers":{"Authorization":"x"},"auth":{"type":"bearer","token":"t"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'Authorization'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_AuthWithoutPassword_KeepsStoredPassword()
    {
        await using var target = await TestReceiver.StartAsync();
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("other:kept"));
        target.Respond = r => r.Header("Authorization") == expected ? 200 : 401;
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = target.Url("/b"), auth = new { type = "basic", username = "media", password = "kept" } })).GetProperty("id").GetString();

        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"auth":{"type":"basic","username":"other"}}""");
        await herald.Client.PublishAsync(Event);

        await WaitForStatusAsync(herald, "succeeded", 1);
    }

    [Fact]
    public async Task Put_WithoutAuth_KeepsTheStoredCredentialsAndAuthNullRemovesThem()
    {
        await using var target = await TestReceiver.StartAsync();
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("media:kept"));
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = target.Url("/b"), auth = new { type = "basic", username = "media", password = "kept" } })).GetProperty("id").GetString();

        var put = await herald.Client.JsonAsync(HttpMethod.Put, $"api/v1/webhooks/{id}", $$"""{"event_type":"assets","url":"{{target.Url("/b")}}"}""");
        await herald.Client.PublishAsync(Event);
        await target.WaitForAsync(1);

        Assert.Equal("basic", put.GetProperty("auth").GetProperty("type").GetString());
        Assert.Equal(expected, target.Requests[0].Header("Authorization"));

        await herald.Client.JsonAsync(HttpMethod.Put, $"api/v1/webhooks/{id}", $$"""{"event_type":"assets","url":"{{target.Url("/b")}}","auth":null}""");
        await herald.Client.PublishAsync(Event);
        await target.WaitForAsync(2);

        Assert.Equal(string.Empty, target.Requests[1].Header("Authorization"));
    }

    private static Task WaitForStatusAsync(HeraldHost herald, string status, int count) =>
        Eventually.TrueAsync(
            async () => (await herald.Client.GetAsync($"api/v1/deliveries?status={status}&limit=1000")).GetProperty("objects").GetArrayLength() >= count,
            what: $"{count} {status} deliveries");
}
