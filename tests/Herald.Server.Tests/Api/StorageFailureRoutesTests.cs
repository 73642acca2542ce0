using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Api;

/// <summary>Every route that writes answers 503 with Retry-After and a JSON error while the database refuses writes.</summary>
public sealed class StorageFailureRoutesTests
{
    [Fact]
    public async Task EveryWriteRoute_DatabaseReadOnly_Answers503WithRetryAfterAndJson()
    {
        await using var herald = await HeraldHost.StartAsync();
        var webhookId = (await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "http://127.0.0.1:9/hook", status = "PAUSED" })).GetProperty("id").GetString()!;
        await herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","object_id":"1","data":{}}""");
        var deliveryId = (await herald.Client.GetAsync("api/v1/deliveries")).GetProperty("objects")[0].GetProperty("id").GetString()!;
        var keyId = (await herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", """{"domain_id":"d1"}""", HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var since = JsonSerializer.Serialize(new { since = DateTimeOffset.UtcNow.AddHours(-1) });
        var replayId = (await herald.Client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{webhookId}/replay", since, HttpStatusCode.Accepted)).GetProperty("id").GetString()!;
        var definition = JsonSerializer.Serialize(new { event_type = "assets", url = "http://127.0.0.1:9/changed" });

        var connection = await herald.Services.GetRequiredService<SqliteWriter>().ExecuteAsync(s => s.Connection, CancellationToken.None, durable: false);
        SqliteDatabase.Execute(connection, "PRAGMA query_only = ON;");
        try
        {
            (HttpMethod Method, string Path, string? Body)[] routes =
            [
                (HttpMethod.Post, "api/v1/events", """{"event_type":"assets","operation":"update","data":{}}"""),
                (HttpMethod.Post, "api/v1/webhooks", definition),
                (HttpMethod.Put, $"api/v1/webhooks/{webhookId}", definition),
                (HttpMethod.Patch, $"api/v1/webhooks/{webhookId}", """{"status":"ENABLED"}"""),
                (HttpMethod.Delete, $"api/v1/webhooks/{webhookId}", null),
                (HttpMethod.Post, $"api/v1/webhooks/{webhookId}/secret/rotate", null),
                (HttpMethod.Post, $"api/v1/webhooks/{webhookId}/replay", since),
                (HttpMethod.Post, $"api/v1/webhooks/{webhookId}/deliveries/cancel", null),
                (HttpMethod.Post, $"api/v1/webhooks/{webhookId}/deliveries/retry", null),
                (HttpMethod.Post, $"api/v1/deliveries/{deliveryId}/retry", null),
                (HttpMethod.Post, $"api/v1/deliveries/{deliveryId}/cancel", null),
                (HttpMethod.Delete, $"api/v1/replays/{replayId}", null),
                (HttpMethod.Post, "api/v1/keys", """{"domain_id":"d2"}"""),
                (HttpMethod.Delete, $"api/v1/keys/{keyId}", null),
            ];
            foreach (var (method, path, body) in routes)
            {
                using var response = await herald.Client.SendAsync(method, path, body);
                await StorageFailureTests.AssertUnavailableAsync(response, "read-only");
            }

            using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl + "/") };
            (HttpMethod Method, string Path, string? Body)[] iconikRoutes =
            [
                (HttpMethod.Post, IconikClient.Webhooks, definition),
                (HttpMethod.Put, $"{IconikClient.Webhooks}{webhookId}/", """{"name":"x"}"""),
                (HttpMethod.Delete, $"{IconikClient.Webhooks}{webhookId}/", null),
            ];
            foreach (var (method, path, body) in iconikRoutes)
            {
                using var request = new HttpRequestMessage(method, path) { Headers = { { "Auth-Token", HeraldHost.AdminKey } } };
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{method} {path} answered {(int)response.StatusCode}: {text}");
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{method} {path}: Retry-After is missing");
                Assert.Contains("read-only", JsonDocument.Parse(text).RootElement.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            SqliteDatabase.Execute(connection, "PRAGMA query_only = OFF;");
        }

        // Nothing changed.
        var webhook = await herald.Client.GetAsync($"api/v1/webhooks/{webhookId}");
        Assert.Equal(("PAUSED", "http://127.0.0.1:9/hook"), (webhook.GetProperty("status").GetString(), webhook.GetProperty("url").GetString()));
        Assert.Equal("pending", (await herald.Client.GetAsync($"api/v1/deliveries/{deliveryId}")).GetProperty("status").GetString());
    }
}
