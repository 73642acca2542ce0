using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>The per-domain webhook limit holds under concurrent creates, on both create routes.</summary>
public sealed class WebhookLimitTests
{
    private const string Domain = "bf0b8c12-7ccc-11e7-8d93-0a580a00022b";
    private const int Limit = 5;
    private const int Clients = 24;

    [Theory]
    [InlineData("herald")]
    [InlineData("iconik")]
    public async Task Create_ConcurrentClientsOneDomainKey_LimitHoldsAndTheRestAre409(string route)
    {
        await using var herald = await HeraldHost.StartAsync(settings: new Dictionary<string, string?> { ["Herald:MaxWebhooksPerDomain"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var key = (await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = Domain }), HttpStatusCode.Created))
            .GetProperty("key").GetString()!;

        // One HttpClient (so one connection) per client, all released at once.
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var creates = Enumerable.Range(0, Clients).Select(i => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl + "/") };
            using var warm = await http.GetAsync("healthz");
            await go.Task;
            using var request = route == "iconik"
                ? new HttpRequestMessage(HttpMethod.Post, IconikClient.Webhooks) { Headers = { { "Auth-Token", key } } }
                : new HttpRequestMessage(HttpMethod.Post, "api/v1/webhooks") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", key) } };
            request.Content = new StringContent(JsonSerializer.Serialize(new { event_type = "assets", url = $"https://example.com/{i}" }), Encoding.UTF8, "application/json");
            using var response = await http.SendAsync(request);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        })).ToList();
        go.SetResult();
        var results = await Task.WhenAll(creates);

        Assert.Equal(Limit, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        var refused = results.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.All(refused, r => Assert.Contains($"already has the maximum of {Limit} webhooks", r.Body, StringComparison.Ordinal));
        var stored = await herald.Client.GetAsync("api/v1/webhooks?limit=100");
        Assert.Equal(Limit, stored.GetProperty("objects").EnumerateArray().Count(w => w.GetProperty("domain_id").GetString() == Domain));
    }
}
