using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>PRODUCT.md §6a: iconik's webhook routes, as iconik admin scripts call them.</summary>
public sealed class IconikWebhooksApiTests : IAsyncLifetime
{
    private const string Webhooks = IconikClient.Webhooks;
    private HeraldHost _herald = null!;
    private IconikClient _iconik = null!;

    public async Task InitializeAsync()
    {
        _herald = await HeraldHost.StartAsync();
        _iconik = new IconikClient(_herald.BaseUrl, HeraldHost.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _iconik.Dispose();
        await _herald.DisposeAsync();
    }

    [Fact]
    public async Task Crud_AuthTokenAndAppId_CreatesListsUpdatesAndDeletes()
    {
        var created = await _iconik.JsonAsync(HttpMethod.Post, Webhooks, new
        {
            name = "proxies closed", description = "analysis", url = "https://example.com/hook", event_type = "assets", realm = "proxies",
            operation = "update", object_id = "42", status = "ENABLED", query = "data.status=\"CLOSED\"", headers = new Dictionary<string, string> { ["X-Team"] = "media" },
        }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("whsec_", created.GetProperty("secret").GetString(), StringComparison.Ordinal);
        Assert.Equal("proxies", created.GetProperty("realm").GetString());
        Assert.Equal("ENABLED", created.GetProperty("status").GetString());

        var list = await _iconik.JsonAsync(HttpMethod.Get, Webhooks);
        var listed = Assert.Single(list.GetProperty("objects").EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetString());
        Assert.False(listed.TryGetProperty("secret", out _));
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(1, list.GetProperty("page").GetInt32());
        Assert.Equal(1, list.GetProperty("pages").GetInt32());

        // With and without the trailing slash.
        var fetched = await _iconik.JsonAsync(HttpMethod.Get, $"{Webhooks}{id}/");
        Assert.Equal("data.status=\"CLOSED\"", fetched.GetProperty("query").GetString());
        Assert.Equal("media", fetched.GetProperty("headers").GetProperty("X-Team").GetString());
        Assert.Equal("42", (await _iconik.JsonAsync(HttpMethod.Get, $"{Webhooks}{id}")).GetProperty("object_id").GetString());

        // PUT changes the fields given and keeps the rest.
        var updated = await _iconik.JsonAsync(HttpMethod.Put, $"{Webhooks}{id}/", new { status = "PAUSED", name = "renamed" });
        Assert.Equal("PAUSED", updated.GetProperty("status").GetString());
        Assert.Equal("renamed", updated.GetProperty("name").GetString());
        Assert.Equal("proxies", updated.GetProperty("realm").GetString());
        Assert.Equal("PAUSED", await _herald.Client.WebhookStatusAsync(id));

        await _iconik.JsonAsync(HttpMethod.Delete, $"{Webhooks}{id}/", expected: HttpStatusCode.NoContent);
        var (status, gone) = await _iconik.SendAsync(HttpMethod.Get, $"{Webhooks}{id}/");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertErrors(gone);
    }

    [Fact]
    public async Task Put_EchoedGet_KeepsDefinition()
    {
        var created = await _iconik.JsonAsync(HttpMethod.Post, Webhooks, new { url = "https://example.com/h", event_type = "assets", realm = "entity" }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var fetched = await _iconik.JsonAsync(HttpMethod.Get, $"{Webhooks}{id}/");

        var (status, echoed) = await _iconik.SendAsync(HttpMethod.Put, $"{Webhooks}{id}/", fetched.GetRawText());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("entity", echoed.GetProperty("realm").GetString());
        Assert.Equal("https://example.com/h", echoed.GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("""{"url":"https://e.com/h"}""", "event_type")]
    [InlineData("""{"event_type":"assets"}""", "url")]
    [InlineData("""{"event_type":"assets","url":"ftp://e.com/h"}""", "url")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","operation":"explode"}""", "operation")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","status":"ON"}""", "status")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","query":"data.size >"}""", "query")]
    [InlineData("""{"event_type":"assets","url":"https://e.com/h","headers":{"webhook-id":"x"}}""", "webhook-id")]
    [InlineData("""{"event_type":"assets",""", "JSON")]
    [InlineData("""["not an object"]""", "object")]
    public async Task Create_Invalid_Returns400InIconikErrorShape(string body, string mentioned)
    {
        var (status, json) = await _iconik.SendAsync(HttpMethod.Post, Webhooks, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = AssertErrors(json);
        Assert.Contains(mentioned, message, StringComparison.Ordinal);
        Assert.Equal(0, (await _iconik.JsonAsync(HttpMethod.Get, Webhooks)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task UpdateAndDelete_UnknownId_Return404InIconikErrorShape()
    {
        var (put, putBody) = await _iconik.SendAsync(HttpMethod.Put, $"{Webhooks}nope/", """{"name":"x"}""");
        var (delete, deleteBody) = await _iconik.SendAsync(HttpMethod.Delete, $"{Webhooks}nope/");

        Assert.Equal(HttpStatusCode.NotFound, put);
        AssertErrors(putBody);
        Assert.Equal(HttpStatusCode.NotFound, delete);
        AssertErrors(deleteBody);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("hk_not_a_key")]
    public async Task AnyRoute_NoValidAuthToken_Returns401InIconikErrorShape(string? token)
    {
        using var iconik = new IconikClient(_herald.BaseUrl, token);

        var (list, listBody) = await iconik.SendAsync(HttpMethod.Get, Webhooks);
        var (create, createBody) = await iconik.SendAsync(HttpMethod.Post, Webhooks, """{"event_type":"assets","url":"https://e.com/h"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, list);
        AssertErrors(listBody);
        Assert.Equal(HttpStatusCode.Unauthorized, create);
        AssertErrors(createBody);
    }

    [Fact]
    public async Task List_PerPage_PagesThroughInCreationOrder()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var created = await _iconik.JsonAsync(HttpMethod.Post, Webhooks, new { name = $"w{i}", url = "https://example.com/h", event_type = "assets" }, HttpStatusCode.Created);
            ids.Add(created.GetProperty("id").GetString()!);
        }

        var first = await _iconik.JsonAsync(HttpMethod.Get, $"{Webhooks}?per_page=2");
        var second = await _iconik.JsonAsync(HttpMethod.Get, $"{Webhooks}?per_page=2&page=2");
        var (bad, badBody) = await _iconik.SendAsync(HttpMethod.Get, $"{Webhooks}?per_page=0");

        Assert.Equal(ids[..2], first.GetProperty("objects").EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        Assert.Equal([ids[2]], second.GetProperty("objects").EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        Assert.Equal(2, first.GetProperty("pages").GetInt32());
        Assert.Equal(3, first.GetProperty("total").GetInt32());
        Assert.Equal(2, first.GetProperty("per_page").GetInt32());
        Assert.Equal(2, second.GetProperty("page").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("per_page", AssertErrors(badBody), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_PagesAndCounts_PerDomainAndForTheAdmin()
    {
        const string domainA = "bf0b8c12-7ccc-11e7-8d93-0a580a00022b";
        const string domainB = "1297c8b6-3563-11e7-adf1-6c4008b85488";
        var inA = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            inA.Add((await _iconik.JsonAsync(HttpMethod.Post, Webhooks, new { url = "https://example.com/a", event_type = "assets", system_domain_id = domainA }, HttpStatusCode.Created)).GetProperty("id").GetString()!);
            if (i < 3)
            {
                await _iconik.JsonAsync(HttpMethod.Post, Webhooks, new { url = "https://example.com/b", event_type = "assets", system_domain_id = domainB }, HttpStatusCode.Created);
            }

            if (i < 2)
            {
                await _iconik.JsonAsync(HttpMethod.Post, Webhooks, new { url = "https://example.com/g", event_type = "assets" }, HttpStatusCode.Created);
            }
        }

        // Lists are in id order; ids made within one millisecond are not in creation order.
        inA.Sort(StringComparer.Ordinal);
        var key = await _herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = domainA }), HttpStatusCode.Created);
        using var tenant = new IconikClient(_herald.BaseUrl, key.GetProperty("key").GetString());

        var pages = new List<JsonElement>();
        for (var page = 1; page <= 4; page++)
        {
            pages.Add(await tenant.JsonAsync(HttpMethod.Get, $"{Webhooks}?per_page=2&page={page}"));
        }

        Assert.Equal(inA, pages.SelectMany(p => p.GetProperty("objects").EnumerateArray()).Select(w => w.GetProperty("id").GetString()));
        Assert.All(pages, p => Assert.Equal((5, 3, 2), (p.GetProperty("total").GetInt32(), p.GetProperty("pages").GetInt32(), p.GetProperty("per_page").GetInt32())));
        Assert.Equal(0, pages[3].GetProperty("objects").GetArrayLength());

        var admin = await _iconik.JsonAsync(HttpMethod.Get, $"{Webhooks}?per_page=4&page=3");
        Assert.Equal((10, 3, 2), (admin.GetProperty("total").GetInt32(), admin.GetProperty("pages").GetInt32(), admin.GetProperty("objects").GetArrayLength()));

        var (deleted, _) = await _iconik.SendAsync(HttpMethod.Delete, $"{Webhooks}{inA[0]}/");
        Assert.Equal(HttpStatusCode.NoContent, deleted);
        var after = await tenant.JsonAsync(HttpMethod.Get, $"{Webhooks}?per_page=2&page=2");
        Assert.Equal(inA[3..5], after.GetProperty("objects").EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        Assert.Equal((4, 2), (after.GetProperty("total").GetInt32(), after.GetProperty("pages").GetInt32()));
        Assert.Equal(9, (await _iconik.JsonAsync(HttpMethod.Get, Webhooks)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task List_PageFarBeyondTheEnd_EmptyWithTheCounts()
    {
        await _iconik.JsonAsync(HttpMethod.Post, Webhooks, new { url = "https://example.com/h", event_type = "assets" }, HttpStatusCode.Created);

        var list = await _iconik.JsonAsync(HttpMethod.Get, $"{Webhooks}?per_page=1000&page=2147483647");

        Assert.Equal(0, list.GetProperty("objects").GetArrayLength());
        Assert.Equal((1, 1, 2147483647), (list.GetProperty("total").GetInt32(), list.GetProperty("pages").GetInt32(), list.GetProperty("page").GetInt32()));
    }

    [Fact]
    public async Task DomainKey_SeesAndCreatesOnlyInItsDomain()
    {
        const string domainA = "bf0b8c12-7ccc-11e7-8d93-0a580a00022b";
        const string domainB = "1297c8b6-3563-11e7-adf1-6c4008b85488";
        var key = await _herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = domainA }), HttpStatusCode.Created);
        using var tenant = new IconikClient(_herald.BaseUrl, key.GetProperty("key").GetString());
        var other = await _iconik.JsonAsync(HttpMethod.Post, Webhooks, new { url = "https://example.com/b", event_type = "assets", system_domain_id = domainB }, HttpStatusCode.Created);
        var otherId = other.GetProperty("id").GetString()!;
        Assert.Equal(domainB, other.GetProperty("system_domain_id").GetString());

        var own = await tenant.JsonAsync(HttpMethod.Post, Webhooks, new { url = "https://example.com/a", event_type = "assets" }, HttpStatusCode.Created);
        var list = await tenant.JsonAsync(HttpMethod.Get, Webhooks);
        var (hidden, hiddenBody) = await tenant.SendAsync(HttpMethod.Get, $"{Webhooks}{otherId}/");
        var (hiddenPut, _) = await tenant.SendAsync(HttpMethod.Put, $"{Webhooks}{otherId}/", """{"status":"PAUSED"}""");
        var (hiddenDelete, _) = await tenant.SendAsync(HttpMethod.Delete, $"{Webhooks}{otherId}/");
        var (foreign, foreignBody) = await tenant.SendAsync(HttpMethod.Post, Webhooks, JsonSerializer.Serialize(new { url = "https://example.com/x", event_type = "assets", system_domain_id = domainB }));

        Assert.Equal(domainA, own.GetProperty("system_domain_id").GetString());
        Assert.Equal([own.GetProperty("id").GetString()], list.GetProperty("objects").EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, hidden);
        AssertErrors(hiddenBody);
        Assert.Equal(HttpStatusCode.NotFound, hiddenPut);
        Assert.Equal(HttpStatusCode.NotFound, hiddenDelete);
        Assert.Equal("ENABLED", await _herald.Client.WebhookStatusAsync(otherId));
        Assert.Equal(HttpStatusCode.Forbidden, foreign);
        AssertErrors(foreignBody);
    }

    /// <summary>iconik's shape: <c>{"errors": ["..."]}</c> and nothing of Herald's <c>{"error": {...}}</c>.</summary>
    private static string AssertErrors(JsonElement body)
    {
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        Assert.False(body.TryGetProperty("error", out _));
        var errors = body.GetProperty("errors");
        Assert.Equal(JsonValueKind.Array, errors.ValueKind);
        var messages = errors.EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m)));
        return string.Join(" | ", messages);
    }
}
