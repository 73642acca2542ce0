using System.Net;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class DeliveriesApiTests
{
    [Fact]
    public async Task List_Filters_ByWebhookStatusAndObject()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = r => r.Path == "/bad" ? 500 : 200;
        await using var herald = await HeraldHost.StartAsync();
        var good = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/good") })).GetProperty("id").GetString()!;
        var bad = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/bad"), retry_schedule = Array.Empty<int>() })).GetProperty("id").GetString()!;

        await herald.Client.PublishAsync(Seeds.Read("blog-entity-create.json"));
        await herald.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));
        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync("api/v1/deliveries?status=pending")).GetProperty("objects").GetArrayLength() == 0);

        var failed = await herald.Client.GetAsync("api/v1/deliveries?status=failed");
        Assert.Equal(2, failed.GetProperty("objects").GetArrayLength());
        Assert.All(failed.GetProperty("objects").EnumerateArray(), d => Assert.Equal(bad, d.GetProperty("webhook_id").GetString()));
        var ofGood = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={good}");
        Assert.All(ofGood.GetProperty("objects").EnumerateArray(), d => Assert.Equal("succeeded", d.GetProperty("status").GetString()));
        var ofObject = await herald.Client.GetAsync("api/v1/deliveries?object_id=c521e01a-f0a2-11e7-b528-0a580a000257");
        Assert.Equal(2, ofObject.GetProperty("objects").GetArrayLength());
        var page = await herald.Client.GetAsync("api/v1/deliveries?limit=3");
        Assert.Equal(3, page.GetProperty("objects").GetArrayLength());
        var rest = await herald.Client.GetAsync($"api/v1/deliveries?limit=3&cursor={page.GetProperty("next").GetString()}");
        Assert.Equal(1, rest.GetProperty("objects").GetArrayLength());
        Assert.Null(rest.GetProperty("next").GetString());

        using var invalid = await herald.Client.SendAsync(HttpMethod.Get, "api/v1/deliveries?status=lost");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task Retry_FailedDelivery_SentAgainAndSucceeds()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = _ => 500;
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/x"), retry_schedule = Array.Empty<int>() });
        await herald.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));
        var id = (await receiver.WaitForAsync(1))[0].Header("webhook-id");
        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync($"api/v1/deliveries/{id}")).GetProperty("status").GetString() == "failed");
        var dead = await herald.Client.GetAsync($"api/v1/deliveries/{id}");
        Assert.Equal(1, dead.GetProperty("attempt_count").GetInt32());
        Assert.Equal("HTTP 500", dead.GetProperty("attempts")[0].GetProperty("error").GetString());

        receiver.Respond = _ => 200;
        await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/deliveries/{id}/retry", expected: HttpStatusCode.Accepted);

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync($"api/v1/deliveries/{id}")).GetProperty("status").GetString() == "succeeded");
        Assert.Equal("2", receiver.Requests[^1].Header("X-Webhook-Attempt"));
        using var missing = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/deliveries/nope/retry");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Send_TargetRefusesConnection_RecordsConnectionError()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = $"http://127.0.0.1:{port}/closed", retry_schedule = Array.Empty<int>() });

        await herald.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync("api/v1/deliveries?status=failed")).GetProperty("objects").GetArrayLength() == 1);
        var id = (await herald.Client.GetAsync("api/v1/deliveries?status=failed")).GetProperty("objects")[0].GetProperty("id").GetString();
        var attempt = (await herald.Client.GetAsync($"api/v1/deliveries/{id}")).GetProperty("attempts")[0];
        Assert.Equal(System.Text.Json.JsonValueKind.Null, attempt.GetProperty("status_code").ValueKind);
        Assert.Contains("connection", attempt.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Send_TargetSlowerThanTimeout_RecordsTimeout()
    {
        // The target answers only after the attempt is recorded: no race between a sleep and the timeout.
        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondAsync = async _ =>
        {
            await recorded.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return 200;
        };
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/slow"), timeout_seconds = 1, retry_schedule = Array.Empty<int>() });

        await herald.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));

        await Eventually.TrueAsync(async () => (await herald.Client.GetAsync("api/v1/deliveries?status=failed")).GetProperty("objects").GetArrayLength() == 1);
        var id = (await herald.Client.GetAsync("api/v1/deliveries?status=failed")).GetProperty("objects")[0].GetProperty("id").GetString();
        var attempt = (await herald.Client.GetAsync($"api/v1/deliveries/{id}")).GetProperty("attempts")[0];
        recorded.SetResult();
        Assert.Equal("timed out after 1 s", attempt.GetProperty("error").GetString());
        Assert.InRange(attempt.GetProperty("duration_ms").GetDouble(), 900, 6000);
    }
}
