using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Storage failures on a real file system: the database on a small tmpfs of the test's own, filled
/// to the last byte. Writes answer 503 with a JSON error and Retry-After, /readyz turns not-ready,
/// and both recover without a restart once space returns.
/// </summary>
public sealed class StorageFailureTests
{
    private const string Event = """{"event_type":"assets","realm":"proxies","operation":"update","object_id":"42","data":{"status":"CLOSED"}}""";

    [Fact]
    public async Task WriteRoutes_DiskFull_Answer503WithRetryAfterAndRecoverWhenSpaceReturns()
    {
        using var disk = TmpfsMount.Create("16m");
        var database = Path.Combine(disk.Path, "herald.db");
        await using var herald = await HeraldHost.StartAsync(database);
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl + "/") };
        // PAUSED: its deliveries are stored but never claimed, so no background write muddies the health state.
        var webhook = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "http://127.0.0.1:9/hook", status = "PAUSED" });
        var webhookId = webhook.GetProperty("id").GetString();
        await herald.Client.PublishAsync(Event);
        var eventsBefore = Count(database, "SELECT COUNT(*) FROM events");
        var deliveriesBefore = Count(database, "SELECT COUNT(*) FROM deliveries");

        disk.Fill();

        using (var publish = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/events", Event))
        {
            await AssertUnavailableAsync(publish, "disk is full");
        }

        using (var ready = await http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("database not writable", body.GetProperty("status").GetString());
            Assert.Equal("the disk is full", body.GetProperty("reason").GetString());
        }

        using (var edit = await herald.Client.SendAsync(HttpMethod.Patch, $"api/v1/webhooks/{webhookId}", """{"name":"renamed"}"""))
        {
            await AssertUnavailableAsync(edit, "disk is full");
        }

        using (var create = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", JsonSerializer.Serialize(new { event_type = "assets", url = "http://127.0.0.1:9/other" })))
        {
            await AssertUnavailableAsync(create, "disk is full");
        }

        using (var key = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/keys", """{"domain_id":"d1"}"""))
        {
            await AssertUnavailableAsync(key, "disk is full");
        }

        using (var iconik = await IconikCreateAsync(http))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, iconik.StatusCode);
            Assert.True(iconik.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is missing");
            var errors = JsonDocument.Parse(await iconik.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
            Assert.Contains("disk is full", errors[0].GetString(), StringComparison.Ordinal);
        }

        // Nothing of the refused requests was stored.
        Assert.Equal(eventsBefore, Count(database, "SELECT COUNT(*) FROM events"));
        Assert.Equal(deliveriesBefore, Count(database, "SELECT COUNT(*) FROM deliveries"));
        Assert.Equal("PAUSED", await herald.Client.WebhookStatusAsync(webhookId!));

        disk.Free();

        // /readyz alone notices (its write probe), before any client writes again.
        using (var ready = await http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await herald.Client.PublishAsync(Event);
        Assert.Equal(eventsBefore + 1, Count(database, "SELECT COUNT(*) FROM events"));
        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{webhookId}", """{"name":"renamed"}""");
    }

    [Fact]
    public async Task Ready_DiskFullButNoWriteFailedYet_StaysReadyUntilOneDoes()
    {
        using var disk = TmpfsMount.Create("8m");
        await using var herald = await HeraldHost.StartAsync(Path.Combine(disk.Path, "herald.db"));
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl + "/") };

        disk.Fill();
        using (var ready = await http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using (var publish = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/events", Event))
        {
            await AssertUnavailableAsync(publish, "disk is full");
        }

        using (var ready = await http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
    }

    [Fact]
    public async Task WriteRoutes_DatabaseTurnsReadOnly_Answer503AndRecoverWhenWritableAgain()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl + "/") };
        var webhook = await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "http://127.0.0.1:9/hook", status = "PAUSED" });
        var webhookId = webhook.GetProperty("id").GetString()!;
        // SQLite's own read-only mode on the writer's connection: every write is refused with
        // SQLITE_READONLY, as on a read-only file (a mounted file system cannot be remounted
        // read-only while Herald holds the database open for writing).
        var connection = await herald.Services.GetRequiredService<SqliteWriter>().ExecuteAsync(s => s.Connection, CancellationToken.None, durable: false);
        SqliteDatabase.Execute(connection, "PRAGMA query_only = ON;");

        using (var publish = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/events", Event))
        {
            await AssertUnavailableAsync(publish, "read-only");
        }

        using (var put = await herald.Client.SendAsync(HttpMethod.Put, $"api/v1/webhooks/{webhookId}", JsonSerializer.Serialize(new { event_type = "assets", url = "http://127.0.0.1:9/put" })))
        {
            await AssertUnavailableAsync(put, "read-only");
        }

        using (var delete = await herald.Client.SendAsync(HttpMethod.Delete, $"api/v1/webhooks/{webhookId}"))
        {
            await AssertUnavailableAsync(delete, "read-only");
        }

        using (var ready = await http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("read-only", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        SqliteDatabase.Execute(connection, "PRAGMA query_only = OFF;");

        using (var ready = await http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await herald.Client.PublishAsync(Event);
        Assert.Equal("http://127.0.0.1:9/hook", (await herald.Client.GetAsync($"api/v1/webhooks/{webhookId}")).GetProperty("url").GetString());
    }

    internal static async Task AssertUnavailableAsync(HttpResponseMessage response, string reason)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is missing");
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var message = JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.DoesNotContain("herald.db", text, StringComparison.Ordinal);
    }

    internal static long Count(string database, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<HttpResponseMessage> IconikCreateAsync(HttpClient http)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, IconikClient.Webhooks)
        {
            Content = new StringContent("""{"url":"http://127.0.0.1:9/iconik","event_type":"assets"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Auth-Token", HeraldHost.AdminKey);
        return http.SendAsync(request);
    }
}
