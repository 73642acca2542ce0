using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// PRODUCT.md §6b: with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, a Herald process exports metrics,
/// traces and logs over OTLP (http/protobuf here) to a real receiver on loopback.
/// </summary>
public sealed class OtlpExportTests
{
    private const string PublisherTraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string PublisherSpanId = "b7ad6b7169203331";

    [Fact]
    public async Task OtlpEndpointSet_PublishAndDelivery_ReceiverGetsMetricsTracesAndLogs()
    {
        await using var otlp = await OtlpReceiver.StartAsync();
        await using var subscriber = await TestReceiver.StartAsync();
        using var herald = HeraldProcess.Start(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.BaseUrl,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["Logging__LogLevel__Herald"] = "Debug",
        });
        await herald.WaitUntilReadyAsync();
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri(herald.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeraldHost.AdminKey);
        using (var created = await http.PostAsync("/api/v1/webhooks", Json(new { name = "otlp", url = subscriber.Url("/hook"), event_type = "assets" })))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var publish = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = Json(new { event_type = "assets", operation = "create", data = new { } }) };
        publish.Headers.TryAddWithoutValidation("traceparent", $"00-{PublisherTraceId}-{PublisherSpanId}-01");
        using (var published = await http.SendAsync(publish))
        {
            Assert.Equal(HttpStatusCode.Accepted, published.StatusCode);
        }

        var delivered = Assert.Single(await subscriber.WaitForAsync(1));
        Assert.StartsWith($"00-{PublisherTraceId}-", delivered.Header("traceparent"), StringComparison.Ordinal);

        await Eventually.TrueAsync(
            () => otlp.Metrics.Contains(("Herald", "herald.attempts")) && otlp.Metrics.Contains(("Herald", "herald.events.received"))
                && otlp.Spans.Any(s => s.Name == "deliver" && s.TraceId == PublisherTraceId)
                && otlp.Spans.Any(s => s.ParentSpanId == PublisherSpanId)
                && otlp.Metrics.Any(m => m.Scope == "System.Runtime") && otlp.Metrics.Any(m => m.Name == "http.server.request.duration"),
            what: "Herald's, the runtime's and ASP.NET Core's metrics and the attempt span at the OTLP receiver");

        var trace = otlp.Spans.Where(s => s.TraceId == PublisherTraceId).ToList();
        var publishSpan = Assert.Single(trace, s => s.Scope == "Herald" && s.Name == "publish");
        Assert.Single(trace, s => s.Scope == "Herald" && s.Name == "match" && s.ParentSpanId == publishSpan.SpanId);
        Assert.Single(trace, s => s.Scope == "Herald" && s.Name == "store" && s.ParentSpanId == publishSpan.SpanId);
        var attempt = Assert.Single(trace, s => s.Scope == "Herald" && s.Name == "deliver");
        Assert.Equal(publishSpan.SpanId, attempt.ParentSpanId);
        Assert.Equal($"00-{PublisherTraceId}-{attempt.SpanId}-01", delivered.Header("traceparent"));
        Assert.Contains(trace, s => s.ParentSpanId == PublisherSpanId);
        Assert.All(otlp.ContentTypes, type => Assert.Equal("application/x-protobuf", type));

        // Logs carry the trace: on the console as a scope, and over OTLP.
        await Eventually.TrueAsync(() => otlp.LogPosts > 0, what: "an OTLP log export");
        Assert.Contains($"TraceId:{PublisherTraceId}", herald.Output, StringComparison.Ordinal);
        await herald.StopAsync();
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
