using System.Globalization;
using System.Net;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Herald.Server.Tests.Infrastructure.RecoveryCalls;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>Retention (default 14 days) on a fake clock: only expired rows go, never a pending delivery or its event.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Retention_FakeClockPastFourteenDays_RemovesOnlyExpiredRows()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var sent = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/sent"), event_type = "assets" })).Id();
        var paused = (await herald.Client.CreateWebhookAsync(new { url = receiver.Url("/paused"), event_type = "collections", status = "PAUSED" })).Id();
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = "k-old" };

        // Day 0: a delivered event (under an idempotency key), a held one, and a finished replay.
        var oldEvent = (await herald.Client.PublishAsync(Event("old"), key)).GetProperty("ids")[0].GetString()!;
        var heldEvent = (await herald.Client.PublishAsync(Event("held", eventType: "collections"))).GetProperty("ids")[0].GetString()!;
        clock.Advance(TimeSpan.FromMinutes(1));
        var replay = await herald.Client.ReplayAsync(sent, new { since = clock.GetUtcNow().AddHours(-1) });
        Assert.Equal(1, (await herald.Client.WaitForReplayAsync(replay.Id(), "completed")).GetProperty("deliveries_created").GetInt32());
        await herald.Client.WaitForDeliveriesAsync(sent, "succeeded", 2);
        var oldDeliveries = (await herald.Client.DeliveriesAsync(sent)).Select(d => d.Id()).ToList();
        var held = Assert.Single(await herald.Client.DeliveriesAsync(paused, "pending")).Id();

        // Day 10: a fresh delivered event.
        clock.Advance(TimeSpan.FromDays(10));
        var freshEvent = (await herald.Client.PublishAsync(Event("fresh"))).GetProperty("ids")[0].GetString()!;
        await herald.Client.WaitForDeliveriesAsync(sent, "succeeded", 3);
        var fresh = (await herald.Client.DeliveriesAsync(sent)).Select(d => d.Id()).Except(oldDeliveries).Single();

        // Day 15: the hourly sweep deletes what is older than day 1.
        clock.Advance(TimeSpan.FromDays(5));
        await Eventually.TrueAsync(
            () => Count(herald, "SELECT COUNT(*) FROM replay_jobs") == 0,
            what: "the sweep to reach the replay jobs (its last step)");

        foreach (var id in oldDeliveries)
        {
            using var gone = await herald.Client.SendAsync(HttpMethod.Get, $"api/v1/deliveries/{id}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Equal("succeeded", (await herald.Client.GetAsync($"api/v1/deliveries/{fresh}")).GetProperty("status").GetString());
        Assert.Equal("pending", (await herald.Client.GetAsync($"api/v1/deliveries/{held}")).GetProperty("status").GetString());
        Assert.Equal(0, Count(herald, "SELECT COUNT(*) FROM attempts WHERE delivery_id IN ($0, $1)", oldDeliveries[0], oldDeliveries[1]));
        Assert.Equal(1, Count(herald, "SELECT COUNT(*) FROM attempts WHERE delivery_id = $0", fresh));
        Assert.Equal(0, Count(herald, "SELECT COUNT(*) FROM events WHERE id = $0", oldEvent));
        Assert.Equal(1, Count(herald, "SELECT COUNT(*) FROM events WHERE id = $0", heldEvent));
        Assert.Equal(1, Count(herald, "SELECT COUNT(*) FROM events WHERE id = $0", freshEvent));
        Assert.Equal(0, Count(herald, "SELECT COUNT(*) FROM idempotency_keys"));
        using (var replayGone = await herald.Client.SendAsync(HttpMethod.Get, $"api/v1/replays/{replay.Id()}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, replayGone.StatusCode);
        }

        // The expired key no longer dedupes: the same key now stores a new event.
        var republished = (await herald.Client.PublishAsync(Event("old"), key)).GetProperty("ids")[0].GetString();
        Assert.NotEqual(oldEvent, republished);
    }

    /// <summary>Reads the server's database file directly (WAL: a reader beside the running server).</summary>
    private static long Count(HeraldHost herald, string sql, params object[] values)
    {
        using var connection = new SqliteConnection($"Data Source={herald.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue("$" + i.ToString(CultureInfo.InvariantCulture), values[i]);
        }

        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
