using System.Net;
using Herald.Server.Tests.Infrastructure;
using Npgsql;

namespace Herald.Server.Tests.Cluster;

/// <summary>Issue 12: each node's <c>/readyz</c> follows its own connection to the database.</summary>
public sealed class ClusterHealthTests
{
    [Fact]
    public async Task Readyz_DatabaseGoesAwayAndReturns_NotReadyThenReadyAgain()
    {
        await using var database = await ClusterDatabase.CreateAsync();
        var server = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var gate = new TcpGate(server.Host!, server.Port);
        gate.Open();
        var throughGate = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = gate.Port }.ConnectionString;
        using var node = await HeraldProcess.StartAsync(throughGate);
        using var http = new HttpClient { BaseAddress = new Uri(node.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        // The database goes away: open connections are reset, new ones refused.
        gate.Close();
        string? body = null;
        await Eventually.TrueAsync(
            async () =>
            {
                using var response = await http.GetAsync("/readyz");
                body = await response.Content.ReadAsStringAsync();
                return response.StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            TimeSpan.FromSeconds(30),
            "/readyz to answer 503 while the database is gone");
        Assert.Contains("unreachable", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
        // The process itself stays up (liveness) and serves the API's refusal as a 503, not a crash.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        using (var publish = await node.Client.SendAsync(HttpMethod.Post, "api/v1/events", RecoveryCalls.Event("while-down")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, publish.StatusCode);
        }

        // It comes back: the node is ready again without a restart, and accepts events.
        gate.Open();
        await Eventually.TrueAsync(
            async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60),
            "/readyz to answer 200 once the database is back");
        await Eventually.TrueAsync(
            async () =>
            {
                using var publish = await node.Client.SendAsync(HttpMethod.Post, "api/v1/events", RecoveryCalls.Event("after"));
                return publish.StatusCode == HttpStatusCode.Accepted;
            },
            TimeSpan.FromSeconds(30),
            "a publish to be accepted again");
        Assert.False(node.HasExited, node.Output);
    }

    [Fact]
    public async Task Start_DatabaseUnreachable_ExitsNonZeroWithoutPassword()
    {
        var nowhere = $"Host=127.0.0.1;Port={HeraldProcess.FreePort()};Database=herald;Username=herald;Password=pw-Secret-4711;Timeout=3";
        using var node = HeraldProcess.Start(new Dictionary<string, string?> { ["HERALD_DATABASE"] = nowhere });

        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("Herald cannot start", node.Output, StringComparison.Ordinal);
        Assert.Contains("herald", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret-4711", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", node.Output, StringComparison.Ordinal);
    }
}
