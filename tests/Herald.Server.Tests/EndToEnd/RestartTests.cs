using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.EndToEnd;

public sealed class RestartTests
{
    [Fact]
    public async Task Restart_WithPendingRetry_DeliversAfterRestart()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 500;
        var database = TempDatabase.NewPath();
        string deliveryId;
        await using (var first = await HeraldHost.StartAsync(database))
        {
            await first.Client.CreateWebhookAsync(new { url = receiver.Url("/r"), event_type = "assets", retry_schedule = new[] { 1 } });
            await first.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));
            deliveryId = (await receiver.WaitForAsync(1))[0].Header("webhook-id");
        }

        // The retry falls due while no server runs; the next start sends it.
        receiver.Respond = _ => 200;
        await using var second = await HeraldHost.StartAsync(database);
        await Eventually.TrueAsync(async () => (await second.Client.GetAsync($"api/v1/deliveries/{deliveryId}")).GetProperty("status").GetString() == "succeeded");
        var last = receiver.Requests[^1];
        Assert.Equal(deliveryId, last.Header("webhook-id"));
        Assert.Equal("2", last.Header("X-Webhook-Attempt"));
    }

    [Fact]
    public async Task Restart_RightAfterPublish_EveryAcceptedEventDelivered()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var database = TempDatabase.NewPath();
        var accepted = new List<string>();
        await using (var first = await HeraldHost.StartAsync(database))
        {
            await first.Client.CreateWebhookAsync(new { url = receiver.Url("/r"), event_type = "assets" });
            var body = "[" + string.Join(",", Enumerable.Repeat(Seeds.Read("blog-entity-create.json"), 50)) + "]";
            var ids = await first.Client.PublishAsync(body);
            accepted.AddRange(ids.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!));
        }

        await using var second = await HeraldHost.StartAsync(database);
        await Eventually.TrueAsync(async () =>
            (await second.Client.GetAsync("api/v1/deliveries?status=succeeded&limit=1000")).GetProperty("objects").GetArrayLength() == 50);
        var delivered = receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count();
        Assert.Equal(50, delivered);
        Assert.Equal(50, accepted.Distinct().Count());
    }
}
