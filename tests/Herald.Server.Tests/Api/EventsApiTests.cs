using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class EventsApiTests : IAsyncLifetime
{
    private TestReceiver _receiver = null!;
    private HeraldHost _herald = null!;
    private string _webhookId = string.Empty;

    public async Task InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _herald = await HeraldHost.StartAsync();
        _webhookId = (await _herald.Client.CreateWebhookAsync(new { url = _receiver.Url("/e"), event_type = "assets", status = "PAUSED" })).GetProperty("id").GetString()!;
    }

    public async Task DisposeAsync()
    {
        await _herald.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Theory]
    [InlineData("""{"operation":"update","data":{}}""", "event_type")]
    [InlineData("""{"event_type":"assets","data":{}}""", "operation")]
    [InlineData("""{"event_type":"assets","operation":"update"}""", "data")]
    [InlineData("""{"event_type":"assets","operation":"update","data":[1]}""", "data")]
    [InlineData("""{"event_type":"assets","operation":"explode","data":{}}""", "operation")]
    [InlineData("""{"event_type":42,"operation":"update","data":{}}""", "event_type")]
    [InlineData("""{"event_type":"assets","operation":"update","data":{},"realm":5}""", "realm")]
    [InlineData("""[{"event_type":"assets","operation":"update","data":{}},{"event_type":"assets","data":{}}]""", "[1].operation")]
    [InlineData("""[{"event_type":"assets","operation":"update","data":{}}, 7]""", "[1]")]
    [InlineData("""[]""", "$")]
    [InlineData("""{"event_type":"assets","operation":"update","data":{""", "$")]
    [InlineData("""not json""", "$")]
    public async Task Publish_InvalidEvent_Returns400WithPathAndStoresNothing(string body, string path)
    {
        using var response = await _herald.Client.SendAsync(HttpMethod.Post, "api/v1/events", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(path, error.GetProperty("path").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(0, await CountDeliveriesAsync());
    }

    [Fact]
    public async Task Publish_OverOneMebibyte_Returns413AndStoresNothing()
    {
        var big = "{\"event_type\":\"assets\",\"operation\":\"update\",\"data\":{\"blob\":\"" + new string('x', 1024 * 1024) + "\"}}";

        using var response = await _herald.Client.SendAsync(HttpMethod.Post, "api/v1/events", big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await CountDeliveriesAsync());
    }

    [Fact]
    public async Task Publish_SameIdempotencyKeyTwice_ReturnsOriginalIdsAndOneDelivery()
    {
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "publish-42" };
        var body = Seeds.Read("blog-proxies-update.json");

        var first = await _herald.Client.PublishAsync(body, headers);
        var second = await _herald.Client.PublishAsync(body, headers);
        var other = await _herald.Client.PublishAsync(body, new Dictionary<string, string> { ["Idempotency-Key"] = "publish-43" });

        Assert.Equal(first.GetProperty("ids")[0].GetString(), second.GetProperty("ids")[0].GetString());
        Assert.NotEqual(first.GetProperty("ids")[0].GetString(), other.GetProperty("ids")[0].GetString());
        Assert.Equal(2, await CountDeliveriesAsync());
    }

    [Fact]
    public async Task Publish_Array_ReturnsOneIdPerEventInOrder()
    {
        var body = $"[{Seeds.Read("blog-entity-create.json")},{Seeds.Read("blog-proxies-update.json")},{Seeds.Read("iconik-formats.json")}]";

        var result = await _herald.Client.PublishAsync(body);

        var ids = result.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Equal(3, ids.Distinct().Count());
        var deliveries = await _herald.Client.GetAsync($"api/v1/deliveries?webhook_id={_webhookId}");
        Assert.Equal(ids.OrderBy(i => i), deliveries.GetProperty("objects").EnumerateArray().Select(d => d.GetProperty("event_id").GetString()!).OrderBy(i => i));
    }

    [Fact]
    public async Task Publish_WithoutKey_Returns401()
    {
        using var response = await _herald.Client.Http.PostAsync("api/v1/events", new StringContent(Seeds.Read("blog-entity-create.json")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        using var wrong = await _herald.CreateClient("hk_wrong").SendAsync(HttpMethod.Get, "api/v1/webhooks");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    private async Task<int> CountDeliveriesAsync() =>
        (await _herald.Client.GetAsync($"api/v1/deliveries?webhook_id={_webhookId}&limit=1000")).GetProperty("objects").GetArrayLength();
}
