using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>PRODUCT.md §6b: the OpenAPI document and its reference page, no key needed.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task OpenApiDocument_NoKey_ListsHeraldAndIconikRoutes()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };

        using var response = await http.GetAsync("/openapi/v1.json");
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/webhooks", out var webhooks));
        Assert.True(webhooks.TryGetProperty("get", out _));
        Assert.True(webhooks.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/api/v1/events", out var events));
        Assert.True(events.TryGetProperty("post", out var publish));
        Assert.True(paths.TryGetProperty("/api/v1/deliveries/{id}/retry", out _));
        Assert.True(paths.TryGetProperty("/API/notifications/v1/webhooks/{id}", out _));
        Assert.False(paths.TryGetProperty("/metrics", out _));

        // Security: bearer on /api/, Auth-Token on /API/.
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("Auth-Token", schemes.GetProperty("authToken").GetProperty("name").GetString());
        Assert.True(publish.GetProperty("security")[0].TryGetProperty("bearer", out _));
    }

    [Fact]
    public async Task ReferencePage_NoKey_ServesScalarForTheDocument()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };

        using var page = await http.GetAsync("/scalar/v1");
        var html = await page.Content.ReadAsStringAsync();
        using var script = await http.GetAsync("/scalar/scalar.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Herald API", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}
