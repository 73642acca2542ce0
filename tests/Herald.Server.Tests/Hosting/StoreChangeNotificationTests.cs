using System.Net;
using Herald.Core.Webhooks;
using Herald.Delivery.Webhooks;
using Herald.Server.Auth;
using Herald.Server.Tests.Infrastructure;
using Herald.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Hosting;

/// <summary>
/// Changes reach the webhook registry and the API-key cache through the store's change notices,
/// whoever wrote them: these writes go straight to the stores (as another node or a background
/// job would), never through the API code paths, and nobody refreshes anything by hand.
/// </summary>
public sealed class StoreChangeNotificationTests
{
    [Fact]
    public async Task WebhookWrittenToStore_RegistryHasItAndEventsAreDelivered()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var registry = herald.Services.GetRequiredService<WebhookRegistry>();
        var now = DateTimeOffset.UtcNow;

        await herald.Services.GetRequiredService<IWebhookStore>().InsertAsync(
            new Webhook
            {
                Id = "store-written", Url = receiver.Url("/hook"), EventType = "assets", Status = WebhookStatus.Enabled,
                Secrets = [new WebhookSecretEntry("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)], DateCreated = now, DateModified = now,
            },
            CancellationToken.None);

        Assert.NotNull(registry.Current.Find("store-written"));
        await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","data":{}}""");
        var received = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal("/hook", received.Path);
    }

    [Fact]
    public async Task KeyWrittenThenRevokedInStore_CacheFollowsBoth()
    {
        await using var herald = await HeraldHost.StartAsync();
        var keys = herald.Services.GetRequiredService<IApiKeyStore>();
        const string key = "hk_written_straight_to_the_store_0123456789";
        using var client = herald.CreateClient(key);

        await keys.InsertAsync(new ApiKeyRecord("k-store", "store", null, IsAdmin: true, ApiKeys.Hash(key), DateTimeOffset.UtcNow), CancellationToken.None);
        using (var allowed = await client.SendAsync(HttpMethod.Get, "api/v1/webhooks"))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        Assert.True(await keys.DeleteAsync("k-store", CancellationToken.None));
        using (var revoked = await client.SendAsync(HttpMethod.Get, "api/v1/webhooks"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        }
    }

    [Fact]
    public async Task StatusChangedByFailedAttempt_RegistrySeesFailing()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 500;
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/down"), retry_schedule = new[] { 3600 } }))
            .GetProperty("id").GetString()!;
        var registry = herald.Services.GetRequiredService<WebhookRegistry>();

        await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","data":{}}""");

        // The recorder stores the change; only the store's notice tells the registry.
        await Eventually.TrueAsync(
            () => Task.FromResult(registry.Current.Find(id)?.Webhook.Status == WebhookStatus.Failing), what: "the registry sees FAILING");
    }

    [Fact]
    public async Task StatusChangedInStore_RegistrySeesIt()
    {
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "http://127.0.0.1:9/h" })).GetProperty("id").GetString()!;
        var registry = herald.Services.GetRequiredService<WebhookRegistry>();

        await herald.Services.GetRequiredService<IWebhookStore>().UpdateAsync(id, w => w with { Status = WebhookStatus.Disabled }, CancellationToken.None);

        Assert.Equal(WebhookStatus.Disabled, registry.Current.Find(id)?.Webhook.Status);
    }
}
