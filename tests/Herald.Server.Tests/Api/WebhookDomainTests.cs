using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// A webhook's domain is fixed at creation: its deliveries carry that domain, so moving the webhook
/// would leave its history with the old tenant (visible and retryable there, invisible to the new one).
/// </summary>
public sealed class WebhookDomainTests
{
    private const string DomainA = "bf0b8c12-7ccc-11e7-8d93-0a580a00022b";
    private const string DomainB = "1297c8b6-3563-11e7-adf1-6c4008b85488";

    [Fact]
    public async Task Update_DomainChange_Refused409AndDeliveriesStayWithTheirDomain()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var tenantA = await DomainClientAsync(herald, DomainA);
        using var tenantB = await DomainClientAsync(herald, DomainB);
        var webhook = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "http://127.0.0.1:9/hook", domain_id = DomainA, status = "PAUSED" });
        var id = webhook.GetProperty("id").GetString()!;
        await tenantA.PublishAsync("""{"event_type":"assets","operation":"update","object_id":"42","data":{}}""");
        Assert.Single((await tenantA.GetAsync("api/v1/deliveries")).GetProperty("objects").EnumerateArray());

        foreach (var (method, body) in new[]
        {
            (HttpMethod.Patch, JsonSerializer.Serialize(new { domain_id = DomainB })),
            (HttpMethod.Patch, """{"domain_id":null}"""),
            (HttpMethod.Put, JsonSerializer.Serialize(new { event_type = "assets", url = "http://127.0.0.1:9/hook", domain_id = DomainB })),
        })
        {
            using var response = await herald.Client.SendAsync(method, $"api/v1/webhooks/{id}", body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{method} {body} answered {(int)response.StatusCode}: {text}");
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            Assert.Equal("domain_id", error.GetProperty("path").GetString());
            Assert.Contains("domain_id cannot change", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using var iconik = new IconikClient(herald.BaseUrl, HeraldHost.AdminKey);
        var (iconikStatus, iconikBody) = await iconik.SendAsync(HttpMethod.Put, $"{IconikClient.Webhooks}{id}/", JsonSerializer.Serialize(new { system_domain_id = DomainB }));
        Assert.Equal(HttpStatusCode.Conflict, iconikStatus);
        Assert.Contains("domain_id cannot change", iconikBody.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);

        // Nothing moved: A still owns the webhook and its delivery; B sees neither.
        Assert.Equal(DomainA, (await herald.Client.GetAsync($"api/v1/webhooks/{id}")).GetProperty("domain_id").GetString());
        Assert.Equal(id, (await tenantA.GetAsync($"api/v1/webhooks/{id}")).GetProperty("id").GetString());
        Assert.Single((await tenantA.GetAsync("api/v1/deliveries")).GetProperty("objects").EnumerateArray());
        using (var hidden = await tenantB.SendAsync(HttpMethod.Get, $"api/v1/webhooks/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        Assert.Empty((await tenantB.GetAsync("api/v1/deliveries")).GetProperty("objects").EnumerateArray());

        // Repeating the current domain is not a change.
        var renamed = await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", JsonSerializer.Serialize(new { domain_id = DomainA, name = "kept" }));
        Assert.Equal("kept", renamed.GetProperty("name").GetString());
    }

    private static async Task<HeraldClient> DomainClientAsync(HeraldHost herald, string domain)
    {
        var key = await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = domain }), HttpStatusCode.Created);
        return herald.CreateClient(key.GetProperty("key").GetString()!);
    }
}
