using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>Herald as a process, killed with SIGKILL under load and restarted on the same database.</summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 3;

    [Fact]
    public async Task SigkillThreeTimesUnderLoad_RestartOnTheSameDatabase_EveryAcceptedEventDeliveredWithinSeconds()
    {
        // A slow receiver while Herald is being killed keeps deliveries claimed and in flight, so
        // every kill leaves leases behind; after the last restart it answers at once.
        var delayMs = 250;
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondAsync = async _ =>
        {
            await Task.Delay(Volatile.Read(ref delayMs));
            return 200;
        };
        var database = TempDatabase.NewPath();
        var port = HeraldProcess.FreePort();
        var accepted = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        using var load = new CancellationTokenSource();
        Task publishing;

        using (var first = await HeraldProcess.StartAsync(database, port))
        {
            await first.Client.CreateWebhookAsync(new { url = receiver.Url("/crash"), event_type = "assets", max_concurrency = 4 });
            publishing = PublishSteadilyAsync(port, accepted, load.Token);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await first.KillAsync();
        }

        for (var kill = 2; kill <= Kills; kill++)
        {
            using var herald = await HeraldProcess.StartAsync(database, port);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await herald.KillAsync();
        }

        var leftPending = CountPending(database);
        await load.CancelAsync();
        await publishing;
        Volatile.Write(ref delayMs, 0);

        var restarted = Stopwatch.StartNew();
        using var last = await HeraldProcess.StartAsync(database, port);
        var ready = restarted.Elapsed;
        await Eventually.TrueAsync(() => accepted.Keys.All(Delivered(receiver).Contains), TimeSpan.FromSeconds(40), "every accepted event at the receiver");
        var drained = restarted.Elapsed;

        var requests = receiver.Requests;
        var distinct = requests.Select(r => r.Header("webhook-id")).Distinct(StringComparer.Ordinal).Count();
        var duplicates = requests.Count - distinct;
        output.WriteLine($"accepted {accepted.Count} events over {Kills} SIGKILLs; {leftPending} deliveries were left pending (in flight or waiting) by the killed process");
        output.WriteLine($"received {requests.Count} requests for {distinct} deliveries: {duplicates} duplicates");
        output.WriteLine($"last restart: process ready after {ready.TotalMilliseconds:F0} ms, every accepted event delivered after {drained.TotalMilliseconds:F0} ms ({(drained - ready).TotalMilliseconds:F0} ms after ready)");
        Assert.True(accepted.Count > 50, $"only {accepted.Count} events accepted: no load");
        Assert.True(leftPending > 0, "the last kill left nothing pending; the test proves nothing about recovery");

        // The dead process's leases lived in its memory (SQLite: one process per database), so the
        // deliveries it had in flight are due at once after the restart, with the rest of the backlog.
        Assert.True(drained - ready < TimeSpan.FromSeconds(20), $"drained {(drained - ready).TotalSeconds:F1} s after the restart was ready");
        var stored = await last.Client.GetAsync("api/v1/deliveries?status=pending&limit=1000");
        Assert.Equal(0, stored.GetProperty("objects").GetArrayLength());
    }

    /// <summary>The object ids (one per published event) of what the receiver got.</summary>
    private static HashSet<string> Delivered(TestReceiver receiver) =>
        receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("object_id").GetString()!).ToHashSet(StringComparer.Ordinal);

    /// <summary>Publishes one event every 20 ms through kills and restarts; keeps the ones answered 202.</summary>
    private static async Task PublishSteadilyAsync(int port, ConcurrentDictionary<string, bool> accepted, CancellationToken cancellationToken)
    {
        using var client = new HeraldClient(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) }, HeraldHost.AdminKey);
        for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
        {
            var objectId = $"crash-{n}";
            try
            {
                using var response = await client.SendAsync(HttpMethod.Post, "api/v1/events", $$$"""{"event_type":"assets","operation":"update","object_id":"{{{objectId}}}","data":{"n":{{{n}}}}}""");
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    accepted[objectId] = true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Herald is down (killed, or not up yet): this event was not accepted.
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    private static long CountPending(string database)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM deliveries WHERE status = 0";
        return (long)command.ExecuteScalar()!;
    }
}
