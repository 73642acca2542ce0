using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>PRODUCT.md §1a: domain keys see and change only their own domain.</summary>
public sealed class DomainKeysTests
{
    private const string DomainA = "bf0b8c12-7ccc-11e7-8d93-0a580a00022b";
    private const string DomainB = "1297c8b6-3563-11e7-adf1-6c4008b85488";

    [Fact]
    public async Task DomainKey_ScopesWebhooksEventsAndDeliveries()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var key = await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { name = "tenant a", domain_id = DomainA }), HttpStatusCode.Created);
        Assert.Equal(DomainA, key.GetProperty("domain_id").GetString());
        using var tenant = herald.CreateClient(key.GetProperty("key").GetString()!);

        var own = await tenant.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/a") });
        Assert.Equal(DomainA, own.GetProperty("domain_id").GetString());
        var other = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/b"), domain_id = DomainB });
        var everyDomain = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/all") });

        // Another domain's webhook is invisible to the tenant.
        using (var hidden = await tenant.SendAsync(HttpMethod.Get, $"api/v1/webhooks/{other.GetProperty("id").GetString()}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        using (var hiddenDelete = await tenant.SendAsync(HttpMethod.Delete, $"api/v1/webhooks/{other.GetProperty("id").GetString()}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, hiddenDelete.StatusCode);
        }

        var tenantList = await tenant.GetAsync("api/v1/webhooks");
        Assert.Equal([own.GetProperty("id").GetString()], tenantList.GetProperty("objects").EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        using (var foreign = await tenant.SendAsync(HttpMethod.Post, "api/v1/webhooks", JsonSerializer.Serialize(new { event_type = "assets", url = receiver.Url("/x"), domain_id = DomainB })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        }

        // Publishing: another domain's events are refused; none gets the tenant's domain.
        using (var wrongDomain = await tenant.SendAsync(HttpMethod.Post, "api/v1/events", Seeds.Read("iconik-formats.json")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrongDomain.StatusCode);
        }

        await tenant.PublishAsync(Seeds.Read("blog-entity-create.json"));
        await tenant.PublishAsync("""{"event_type":"assets","operation":"update","data":{}}""");
        await herald.Client.PublishAsync(Seeds.Read("iconik-formats.json"));

        // Settled: six deliveries, all sent, so no request is still on its way.
        await Eventually.TrueAsync(async () =>
        {
            var all = (await herald.Client.GetAsync("api/v1/deliveries?limit=100")).GetProperty("objects").EnumerateArray().ToList();
            return all.Count == 6 && all.All(d => d.GetProperty("status").GetString() == "succeeded");
        });
        var paths = receiver.Requests.Select(r => r.Path).OrderBy(p => p, StringComparer.Ordinal).ToList();
        Assert.Equal(["/a", "/a", "/all", "/all", "/all", "/b"], paths);

        var tenantDeliveries = await tenant.GetAsync("api/v1/deliveries");
        Assert.Equal(2, tenantDeliveries.GetProperty("objects").GetArrayLength());
        var adminDeliveries = await herald.Client.GetAsync("api/v1/deliveries");
        var foreignDelivery = adminDeliveries.GetProperty("objects").EnumerateArray().First(d => d.GetProperty("webhook_id").GetString() == other.GetProperty("id").GetString());
        using (var hiddenDelivery = await tenant.SendAsync(HttpMethod.Get, $"api/v1/deliveries/{foreignDelivery.GetProperty("id").GetString()}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, hiddenDelivery.StatusCode);
        }

        Assert.NotNull(everyDomain.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Publish_TwoDomainsSameIdempotencyKey_EachGetsItsOwnIdsAndDeliveries()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        using var tenantA = await TenantAsync(herald, DomainA);
        using var tenantB = await TenantAsync(herald, DomainB);
        await tenantA.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/a") });
        await tenantB.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/b") });
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = "shared-key-1" };
        const string Body = """{"event_type":"assets","operation":"update","object_id":"o-1","data":{"n":1}}""";

        var fromA = (await tenantA.PublishAsync(Body, key)).GetProperty("ids")[0].GetString();
        var fromB = (await tenantB.PublishAsync(Body, key)).GetProperty("ids")[0].GetString();
        var againA = (await tenantA.PublishAsync(Body, key)).GetProperty("ids")[0].GetString();

        Assert.NotEqual(fromA, fromB);
        Assert.Equal(fromA, againA);
        await receiver.WaitForAsync(2);
        var deliveriesA = (await tenantA.GetAsync("api/v1/deliveries")).GetProperty("objects");
        var deliveriesB = (await tenantB.GetAsync("api/v1/deliveries")).GetProperty("objects");
        Assert.Equal([fromA], deliveriesA.EnumerateArray().Select(d => d.GetProperty("event_id").GetString()));
        Assert.Equal([fromB], deliveriesB.EnumerateArray().Select(d => d.GetProperty("event_id").GetString()));
        Assert.Equal(["/a", "/b"], receiver.Requests.Select(r => r.Path).Order(StringComparer.Ordinal));
    }

    private static async Task<HeraldClient> TenantAsync(HeraldHost herald, string domain)
    {
        var key = await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { name = domain, domain_id = domain }), HttpStatusCode.Created);
        return herald.CreateClient(key.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task Keys_OnlyAdminManages_RevokedKeyRejectedAtOnce()
    {
        await using var herald = await HeraldHost.StartAsync();
        var key = await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = DomainA }), HttpStatusCode.Created);
        using var tenant = herald.CreateClient(key.GetProperty("key").GetString()!);

        using (var forbidden = await tenant.SendAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = DomainA })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using (var missing = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/keys", "{}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        }

        using (var ok = await tenant.SendAsync(HttpMethod.Get, "api/v1/webhooks"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var revoked = await herald.Client.SendAsync(HttpMethod.Delete, $"api/v1/keys/{key.GetProperty("id").GetString()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using var rejected = await tenant.SendAsync(HttpMethod.Get, "api/v1/webhooks");
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
    }

    [Fact]
    public async Task DomainLimit_Exceeded_Returns409()
    {
        await using var herald = await HeraldHost.StartAsync(settings: new Dictionary<string, string?> { ["Herald:MaxWebhooksPerDomain"] = "2" });
        var key = await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = DomainA }), HttpStatusCode.Created);
        using var tenant = herald.CreateClient(key.GetProperty("key").GetString()!);
        await tenant.CreateWebhookAsync(new { event_type = "assets", url = "https://e.com/1" });
        await tenant.CreateWebhookAsync(new { event_type = "assets", url = "https://e.com/2" });

        using var third = await tenant.SendAsync(HttpMethod.Post, "api/v1/webhooks", JsonSerializer.Serialize(new { event_type = "assets", url = "https://e.com/3" }));

        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
        Assert.Contains("maximum of 2", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
