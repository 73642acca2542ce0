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
    public async Task Publish_ChunkedBodiesOfUnknownLength_ConcurrentlyFromPooledBuffers_DeliverEveryEventIntact()
    {
        // Bodies without Content-Length grow their pooled buffer several times; four at once must
        // not see each other's bytes (each buffer goes back to the pool only after its request).
        var webhook = (await _herald.Client.CreateWebhookAsync(new { url = _receiver.Url("/chunked"), event_type = "chunked" })).GetProperty("id").GetString()!;
        var batches = Enumerable.Range(0, 4).Select(b => "[" + string.Join(",", Enumerable.Range(0, 150).Select(i =>
            $$$"""{"event_type":"chunked","operation":"update","data":{"batch":{{{b}}},"n":{{{i}}},"pad":"{{{new string((char)('a' + b), 500)}}}"}}""")) + "]").ToList();

        var responses = await Task.WhenAll(batches.Select(async body =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/events") { Content = new UnknownLengthContent(body) };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", HeraldHost.AdminKey);
            using var response = await _herald.Client.Http.SendAsync(request);
            return (response.StatusCode, request.Content.Headers.ContentLength);
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.All(responses, r => Assert.Null(r.ContentLength));
        var received = await _receiver.WaitForAsync(600, TimeSpan.FromSeconds(60));
        var seen = received.Where(r => r.Path == "/chunked").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data")).ToList();
        Assert.Equal(600, seen.Count);
        foreach (var data in seen)
        {
            var batch = data.GetProperty("batch").GetInt32();
            Assert.Equal(new string((char)('a' + batch), 500), data.GetProperty("pad").GetString());
        }

        Assert.Equal(600, seen.Select(d => (d.GetProperty("batch").GetInt32(), d.GetProperty("n").GetInt32())).Distinct().Count());
        Assert.NotNull(webhook);
    }

    [Fact]
    public async Task Publish_BodyOfExactlyTheLimit_IsAccepted()
    {
        const string Head = "{\"event_type\":\"assets\",\"operation\":\"update\",\"data\":{\"blob\":\"";
        const string Tail = "\"}}";
        var body = Head + new string('x', (1024 * 1024) - Head.Length - Tail.Length) + Tail;
        Assert.Equal(1024 * 1024, System.Text.Encoding.UTF8.GetByteCount(body));

        using var response = await _herald.Client.SendAsync(HttpMethod.Post, "api/v1/events", body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, await CountDeliveriesAsync());
    }

    [Fact]
    public async Task Publish_ChunkedBodyOverOneMebibyte_Returns413AndStoresNothing()
    {
        var big = "{\"event_type\":\"assets\",\"operation\":\"update\",\"data\":{\"blob\":\"" + new string('x', 1024 * 1024) + "\"}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/events") { Content = new UnknownLengthContent(big) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", HeraldHost.AdminKey);

        using var response = await _herald.Client.Http.SendAsync(request);

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

    /// <summary>A JSON body sent chunked: its length is not known up front.</summary>
    private sealed class UnknownLengthContent(string json) : HttpContent
    {
        private readonly byte[] _bytes = System.Text.Encoding.UTF8.GetBytes(json);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            // In pieces, as a streaming client would send it.
            for (var offset = 0; offset < _bytes.Length; offset += 7000)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(7000, _bytes.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
