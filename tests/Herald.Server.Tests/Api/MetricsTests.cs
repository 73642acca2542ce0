using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>PRODUCT.md §6b: <c>GET /metrics</c> in the Prometheus text format, names prefixed <c>herald_</c>.</summary>
public sealed partial class MetricsTests
{
    private const string Event = """{"event_type":"assets","realm":"entity","operation":"create","object_id":"42","data":{"title":"t"}}""";

    [Fact]
    public async Task Metrics_NoKey_ServesPrometheusTextWithHeraldNames()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };

        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Matches(ExpositionLine(), line);
        }

        Assert.Contains("# TYPE herald_events_received_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE herald_deliveries_inflight gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE herald_deliveries_waiting gauge", text, StringComparison.Ordinal);
        Assert.Equal(0, Sample(text, "herald_events_received_total"));
        Assert.Equal(0, Sample(text, "herald_webhooks{status=\"ENABLED\"}"));

        // One process on SQLite owns every webhook partition.
        Assert.Equal(256, Sample(text, "herald_partitions_owned"));

        // The OpenTelemetry SDK's runtime and ASP.NET Core instruments are exported beside Herald's.
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE kestrel_active_connections gauge", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AfterPublishAndDelivery_CountersMove()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        receiver.Respond = request => request.Path == "/fail" ? 500 : 200;
        await herald.Client.CreateWebhookAsync(new { name = "ok", url = receiver.Url("/ok"), event_type = "assets" });
        await herald.Client.CreateWebhookAsync(new { name = "fail", url = receiver.Url("/fail"), event_type = "assets", retry_schedule = new[] { 3600 } });
        var paused = await herald.Client.CreateWebhookAsync(new { name = "paused", url = receiver.Url("/paused"), event_type = "assets" });
        await herald.Client.JsonAsync(HttpMethod.Patch, $"api/v1/webhooks/{paused.GetProperty("id").GetString()}", """{"status":"PAUSED"}""");

        await herald.Client.PublishAsync($"[{Event},{Event}]");
        await herald.Client.PublishAsync(Event, new Dictionary<string, string> { ["Idempotency-Key"] = "once" });
        await herald.Client.PublishAsync(Event, new Dictionary<string, string> { ["Idempotency-Key"] = "once" });
        await receiver.WaitForAsync(6);

        string text = string.Empty;
        await Eventually.TrueAsync(
            async () =>
            {
                text = await ScrapeAsync(herald);
                // Attempts are counted when the response arrives; the record and status change follow.
                return Sample(text, "herald_attempts_total{outcome=\"succeeded\"}") == 3 && Sample(text, "herald_attempts_total{outcome=\"failed\"}") == 3
                    && Sample(text, "herald_deliveries_inflight") == 0 && Sample(text, "herald_deliveries_waiting") == 0 && Sample(text, "herald_webhooks{status=\"FAILING\"}") == 1
                    && Sample(text, "herald_deliveries_pending") == 6;
            },
            what: "six attempts to be counted and recorded");

        Assert.Contains("# TYPE herald_attempt_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Equal(3, Sample(text, "herald_events_received_total"));
        Assert.Equal(1, Sample(text, "herald_events_deduplicated_total"));
        Assert.Equal(9, Sample(text, "herald_deliveries_created_total"));
        Assert.Equal(6, Sample(text, "herald_attempt_duration_seconds_count"));
        Assert.Equal(6, Sample(text, "herald_attempt_duration_seconds_bucket{le=\"+Inf\"}"));
        Assert.True(Sample(text, "herald_attempt_duration_seconds_sum") > 0);
        Assert.Equal(1, Sample(text, "herald_webhooks{status=\"PAUSED\"}"));
        Assert.Equal(1, Sample(text, "herald_webhooks{status=\"ENABLED\"}"));

        // The store: three held deliveries of the paused webhook and three failed ones waiting an
        // hour for their retry are pending, none is due; every write went through the writer.
        Assert.Equal(6, Sample(text, "herald_deliveries_pending"));
        Assert.Equal(0, Sample(text, "herald_deliveries_due"));
        Assert.True(Sample(text, "herald_writer_batch_size_count") >= 3);
        Assert.True(Sample(text, "herald_writer_batch_size_sum") >= Sample(text, "herald_writer_batch_size_count"));
        Assert.True(Sample(text, "herald_writer_commit_duration_seconds_sum") > 0);
        Assert.Contains("# TYPE herald_oauth_token_fetches_total counter", text, StringComparison.Ordinal);
        Assert.Equal(0, Sample(text, "herald_oauth_token_fetches_total"));
    }

    [Fact]
    public async Task Metrics_TwoHostsInOneProcess_CountSeparately()
    {
        await using var first = await HeraldHost.StartAsync();
        await using var second = await HeraldHost.StartAsync();

        await first.Client.PublishAsync(Event);

        Assert.Equal(1, Sample(await ScrapeAsync(first), "herald_events_received_total"));
        Assert.Equal(0, Sample(await ScrapeAsync(second), "herald_events_received_total"));
    }

    private static async Task<string> ScrapeAsync(HeraldHost herald)
    {
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };
        return await http.GetStringAsync("/metrics");
    }

    /// <summary>
    /// The value of one series, e.g. <c>herald_attempts_total{outcome="failed"}</c>; 0 when absent.
    /// The exporter writes an unlabelled series with empty braces (<c>name{} 1</c>), which
    /// Prometheus reads exactly like <c>name 1</c>.
    /// </summary>
    internal static double Sample(string text, string series)
    {
        var prefix = series + " ";
        var line = text.Split('\n').Select(l => l.Replace("{} ", " ", StringComparison.Ordinal)).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("""^(# (HELP|TYPE) [a-z_][a-z0-9_]* .+|[a-z_][a-z0-9_]*(\{([a-z_][a-z0-9_]*="[^"]*"(,[a-z_][a-z0-9_]*="[^"]*")*)?\})? [-+0-9.eE]+(Inf)?|# EOF)$""")]
    private static partial Regex ExpositionLine();
}
