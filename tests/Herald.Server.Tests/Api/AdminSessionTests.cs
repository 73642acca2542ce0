using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>The admin UI's sign-in over plain HTTP: what is refused, and how long a session lives.</summary>
public sealed class AdminSessionTests
{
    [Fact]
    public async Task SignIn_WrongKey_Returns401WithoutCookie()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };

        using var response = await http.PostAsync("/ui/session", Json(new { key = "hk_wrong" }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal("key", (await ErrorAsync(response)).GetProperty("path").GetString());
    }

    [Fact]
    public async Task SignIn_HtmlFormPost_Returns415()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };

        // What a cross-site form could send: no JSON, so no session.
        using var response = await http.PostAsync("/ui/session", new FormUrlEncodedContent([new("key", HeraldHost.AdminKey)]));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    public async Task SignIn_FromAnotherSite_Returns403(string header, string value)
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ui/session") { Content = Json(new { key = HeraldHost.AdminKey }) };
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Session_KeyDeleted_EndsSession()
    {
        await using var herald = await HeraldHost.StartAsync();
        var created = await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = "d1" }), HttpStatusCode.Created);
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(herald.BaseUrl) };
        using (var signIn = await http.PostAsync("/ui/session", Json(new { key = created.GetProperty("key").GetString() })))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            var cookie = signIn.Headers.GetValues("Set-Cookie").Single();
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        }

        using (var listed = await http.GetAsync("/api/v1/webhooks"))
        {
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        }

        await herald.Client.JsonAsync(HttpMethod.Delete, $"api/v1/keys/{created.GetProperty("id").GetString()}", expected: HttpStatusCode.NoContent);

        using var after = await http.GetAsync("/api/v1/webhooks");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task SignOut_WithToken_EndsSessionOnServer()
    {
        await using var herald = await HeraldHost.StartAsync();
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(herald.BaseUrl) };
        using var signIn = await http.PostAsync("/ui/session", Json(new { key = HeraldHost.AdminKey }));
        var token = JsonDocument.Parse(await signIn.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf_token").GetString()!;
        var stolen = cookies.GetCookies(new Uri(herald.BaseUrl))["herald_session"]!.Value;

        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/ui/session");
        signOut.Headers.Add("X-CSRF-Token", token);
        using (var response = await http.SendAsync(signOut))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        // The old cookie value, replayed, no longer opens anything.
        using var replay = new HttpRequestMessage(HttpMethod.Get, "/api/v1/webhooks");
        replay.Headers.Add("Cookie", "herald_session=" + stolen);
        using var plain = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(herald.BaseUrl) };
        using var replayed = await plain.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
    }

    [Fact]
    public async Task Session_TamperedOrForeignCookie_Returns401()
    {
        await using var herald = await HeraldHost.StartAsync();
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(herald.BaseUrl) };
        using (var signIn = await http.PostAsync("/ui/session", Json(new { key = HeraldHost.AdminKey })))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        }

        var value = cookies.GetCookies(new Uri(herald.BaseUrl))["herald_session"]!.Value;
        // The cookie is sealed by Data Protection: one changed character, or another install's
        // cookie (sealed with another key ring), opens nothing.
        var flipped = value[..^5] + (value[^5] == 'A' ? 'B' : 'A') + value[^4..];
        await using var other = await HeraldHost.StartAsync();
        var foreign = await SignInCookieAsync(other.BaseUrl);
        using var plain = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(herald.BaseUrl) };
        foreach (var presented in new[] { flipped, foreign, "not-a-session" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/webhooks");
            request.Headers.Add("Cookie", "herald_session=" + presented);
            using var response = await plain.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var genuine = new HttpRequestMessage(HttpMethod.Get, "/api/v1/webhooks");
        genuine.Headers.Add("Cookie", "herald_session=" + value);
        using var ok = await plain.SendAsync(genuine);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Session_ServerRestarted_StaysSignedIn()
    {
        // The session is in the cookie, sealed with the key ring kept in the database: a restart
        // (or another node on the same database) reads it.
        var database = TempDatabase.NewPath();
        string cookie;
        string csrf;
        using (var first = await HeraldProcess.StartAsync(database))
        {
            using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(first.BaseUrl) };
            using var signIn = await http.PostAsync("/ui/session", Json(new { key = HeraldHost.AdminKey }));
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            cookie = signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
            csrf = JsonDocument.Parse(await signIn.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf_token").GetString()!;
            await first.StopAsync();
        }

        using var second = await HeraldProcess.StartAsync(database);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(second.BaseUrl) };
        using var session = new HttpRequestMessage(HttpMethod.Get, "/ui/session");
        session.Headers.Add("Cookie", cookie);
        using var current = await client.SendAsync(session);
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal(csrf, JsonDocument.Parse(await current.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf_token").GetString());

        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/keys") { Content = Json(new { domain_id = "d1" }) };
        create.Headers.Add("Cookie", cookie);
        create.Headers.Add("X-CSRF-Token", csrf);
        using var created = await client.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private static async Task<string> SignInCookieAsync(string baseUrl)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(baseUrl) };
        using var signIn = await http.PostAsync("/ui/session", Json(new { key = HeraldHost.AdminKey }));
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        return signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0].Split('=', 2)[1];
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
}
