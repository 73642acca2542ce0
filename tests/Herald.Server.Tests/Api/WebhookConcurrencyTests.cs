using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Webhook edits are written with the version they read. Attempts change the same row (status,
/// failure time, last error) all the time; an edit that loses that race is applied again to the
/// fresh copy, so neither the user's edit nor the attempts' status is lost.
/// </summary>
public sealed class WebhookConcurrencyTests
{
    private static readonly string ProxyEvent = Seeds.Read("blog-proxies-update.json");

    [Fact]
    public async Task Patch_ConcurrentEditsWhileAFailingEndpointChangesTheStatus_AllSucceedAndNothingLost()
    {
        await using var receiver = await TestReceiver.StartAsync();

        // Failing with a changing error: every batch of attempts writes the webhook's row.
        var calls = 0;
        receiver.Respond = _ => 500 + (Interlocked.Increment(ref calls) % 3);
        await using var herald = await HeraldHost.StartAsync();
        var id = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/down"), event_type = "assets", retry_schedule = new[] { 1, 1, 1 } }))
            .GetProperty("id").GetString()!;

        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await herald.Client.PublishAsync(ProxyEvent);
            }
        });
        await receiver.WaitForAsync(1);
        await Eventually.TrueAsync(async () => await herald.Client.WebhookStatusAsync(id) == "FAILING", what: "FAILING after the first failed attempt");
        var firstFailedAt = (await herald.Client.GetAsync($"api/v1/webhooks/{id}")).GetProperty("first_failed_at").GetString();

        // Three clients edit different fields at once, each in order, while attempts keep failing.
        string[] fields = ["name", "description", "timeout_seconds"];
        var answers = await Task.WhenAll(fields.Select((field, c) => Task.Run(async () =>
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 1; i <= 15; i++)
            {
                var value = field == "timeout_seconds" ? JsonSerializer.Serialize(i) : JsonSerializer.Serialize($"{field} {i}");
                using var response = await herald.Client.SendAsync(HttpMethod.Patch, $"api/v1/webhooks/{id}", $$"""{"{{field}}": {{value}}}""");
                statuses.Add(response.StatusCode);
            }

            return statuses;
        })));
        await publishing;

        Assert.All(answers.SelectMany(a => a), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.True(receiver.Requests.Count > 1, "attempts ran while the edits did");
        var webhook = await herald.Client.GetAsync($"api/v1/webhooks/{id}");
        Assert.Equal(
            ("name 15", "description 15", 15, "FAILING", firstFailedAt),
            (webhook.GetProperty("name").GetString(), webhook.GetProperty("description").GetString(), webhook.GetProperty("timeout_seconds").GetInt32(),
                webhook.GetProperty("status").GetString(), webhook.GetProperty("first_failed_at").GetString()));
        Assert.StartsWith("HTTP 50", webhook.GetProperty("last_error").GetString(), StringComparison.Ordinal);
    }
}
