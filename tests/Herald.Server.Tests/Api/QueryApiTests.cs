using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class QueryApiTests : IAsyncLifetime
{
    private HeraldHost _herald = null!;

    public async Task InitializeAsync() => _herald = await HeraldHost.StartAsync();

    public async Task DisposeAsync() => await _herald.DisposeAsync();

    [Fact]
    public async Task Validate_ValidQuery_ReturnsValidTrue()
    {
        var result = await _herald.Client.JsonAsync(HttpMethod.Post, "api/v1/query/validate", """{"query":"data.status=\"ACTIVE\" AND data.is_online=true"}""");

        Assert.True(result.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Validate_StringOrdering_ReturnsErrorAtOperatorColumn()
    {
        var result = await _herald.Client.JsonAsync(HttpMethod.Post, "api/v1/query/validate", """{"query":"data.components.metadata.width>=\"1920\""}""");

        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Equal(31, result.GetProperty("error").GetProperty("position").GetInt32());
        Assert.Contains(">=", result.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("operation=\"update\"", true)]
    [InlineData("data.status=\"ACTIVE\" AND data.is_online=true", false)]
    [InlineData("data.components.metadata.duration>10000", true)]
    [InlineData("data.metadata.format=/MPEG-[2,4]/", true)]
    public async Task Test_SeedQueries_MatchAsSpecified(string query, bool expected)
    {
        var body = $$"""{"query":{{JsonSerializer.Serialize(query)}},"event":{{Seeds.Read("iconik-formats.json")}}}""";

        var result = await _herald.Client.JsonAsync(HttpMethod.Post, "api/v1/query/test", body);

        Assert.Equal(expected, result.GetProperty("matches").GetBoolean());
    }

    [Fact]
    public async Task Test_InvalidQuery_Returns400WithPosition()
    {
        using var response = await _herald.Client.SendAsync(HttpMethod.Post, "api/v1/query/test", """{"query":"(operation=\"update\"","event":{}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.True(error.GetProperty("position").GetInt32() >= 1);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task WebhookWithQuery_ReceivesOnlyMatchingEvents()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await _herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/closed"), query = "data.status=\"CLOSED\"" });
        await _herald.Client.CreateWebhookAsync(new { event_type = "assets", url = receiver.Url("/all") });

        var open = Seeds.Read("blog-proxies-update.json").Replace("\"CLOSED\"", "\"OPEN\"", StringComparison.Ordinal);
        await _herald.Client.PublishAsync(open);
        await _herald.Client.PublishAsync(Seeds.Read("blog-proxies-update.json"));

        // Settled: three deliveries, all sent. None is left that could still reach /closed.
        await receiver.WaitForAsync(3);
        await Eventually.TrueAsync(async () =>
            (await _herald.Client.GetAsync("api/v1/deliveries?limit=100")).GetProperty("objects").EnumerateArray()
                .Select(d => d.GetProperty("status").GetString()).SequenceEqual(["succeeded", "succeeded", "succeeded"]));
        var closed = receiver.Requests.Where(r => r.Path == "/closed").ToList();
        Assert.Single(closed);
        Assert.Contains("\"CLOSED\"", closed[0].BodyText, StringComparison.Ordinal);
        Assert.Equal(2, receiver.Requests.Count(r => r.Path == "/all"));
    }
}
