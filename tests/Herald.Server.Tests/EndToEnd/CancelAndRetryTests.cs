using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using static Herald.Server.Tests.Infrastructure.RecoveryCalls;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>Cancelling pending deliveries, one or all of a webhook's, and retrying a webhook's failed ones.</summary>
public sealed class CancelAndRetryTests
{
    [Fact]
    public async Task CancelDelivery_Pending_CancelledAndNeverSent()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/r"), event_type = "assets", status = "PAUSED" })).Id();
        await herald.Client.PublishAsync(Event("keep"));
        await herald.Client.PublishAsync(Event("drop"));
        var pending = await herald.Client.DeliveriesAsync(id, "pending");
        var drop = pending.Single(d => d.GetProperty("object_id").GetString() == "drop").Id();

        var cancelled = await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/deliveries/{drop}/cancel");
        var again = await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/deliveries/{drop}/cancel", expected: HttpStatusCode.Conflict);
        using var unknown = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/deliveries/nope/cancel");

        Assert.Equal(("cancelled", drop), (cancelled.GetProperty("status").GetString(), cancelled.Id()));
        Assert.Contains("cancelled", again.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"status":"ENABLED"}""");
        await herald.Client.WaitForDeliveriesAsync(id, "succeeded", 1);
        Assert.Equal(["keep"], receiver.Requests.Select(r => r.ObjectId()));
        Assert.Equal("cancelled", (await herald.Client.GetAsync($"api/v1/deliveries/{drop}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task CancelWebhookDeliveries_AllPending_CountedAndNoneSent()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/r"), event_type = "assets", status = "PAUSED" })).Id();
        var other = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/other"), event_type = "assets", status = "PAUSED" })).Id();
        for (var i = 0; i < 3; i++)
        {
            await herald.Client.PublishAsync(Event($"o{i}"));
        }

        var result = await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{id}/deliveries/cancel");

        Assert.Equal(3, result.GetProperty("cancelled").GetInt32());
        Assert.Equal(3, (await herald.Client.DeliveriesAsync(id, "cancelled")).Count);
        Assert.Equal(3, (await herald.Client.DeliveriesAsync(other, "pending")).Count);
        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", """{"status":"ENABLED"}""");
        await herald.Client.PublishAsync(Event("fresh"));
        await herald.Client.WaitForDeliveriesAsync(id, "succeeded", 1);
        Assert.Equal(["fresh"], receiver.Requests.Select(r => r.ObjectId()));
    }

    [Fact]
    public async Task RetryWebhookDeliveries_AllFailed_ResentAndSucceeded()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 500;
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/r"), event_type = "assets", retry_schedule = Array.Empty<int>() })).Id();
        for (var i = 0; i < 3; i++)
        {
            await herald.Client.PublishAsync(Event($"o{i}"));
        }

        await herald.Client.WaitForDeliveriesAsync(id, "failed", 3);
        receiver.Respond = _ => 200;

        var result = await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{id}/deliveries/retry", expected: HttpStatusCode.Accepted);

        Assert.Equal(3, result.GetProperty("retried").GetInt32());
        await herald.Client.WaitForDeliveriesAsync(id, "succeeded", 3);
        Assert.Equal(6, receiver.Requests.Count);
        var again = await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{id}/deliveries/retry", expected: HttpStatusCode.Accepted);
        Assert.Equal(0, again.GetProperty("retried").GetInt32());
    }

    [Fact]
    public async Task BulkAndCancel_DomainKey_OtherDomainsWebhookAndDeliveryNotFound()
    {
        await using var herald = await HeraldHost.StartAsync();
        var key = await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = "domain-a" }), HttpStatusCode.Created);
        using var tenant = herald.CreateClient(key.GetProperty("key").GetString()!);
        var foreign = (await herald.Client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/b", event_type = "assets", domain_id = "domain-b", status = "PAUSED" })).Id();
        await herald.Client.PublishAsync(JsonSerializer.Serialize(new { event_type = "assets", operation = "update", system_domain_id = "domain-b", data = new { } }));
        var delivery = Assert.Single(await herald.Client.DeliveriesAsync(foreign)).Id();

        using var cancelOne = await tenant.SendAsync(HttpMethod.Post, $"api/v1/deliveries/{delivery}/cancel");
        using var cancelAll = await tenant.SendAsync(HttpMethod.Post, $"api/v1/webhooks/{foreign}/deliveries/cancel");
        using var retryAll = await tenant.SendAsync(HttpMethod.Post, $"api/v1/webhooks/{foreign}/deliveries/retry");

        Assert.Equal(HttpStatusCode.NotFound, cancelOne.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancelAll.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, retryAll.StatusCode);
        Assert.Single(await herald.Client.DeliveriesAsync(foreign, "pending"));
    }
}
