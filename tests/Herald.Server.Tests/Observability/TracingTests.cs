using System.Diagnostics;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;
using OpenTelemetry.Trace;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// Issue 14 / PRODUCT.md §4: spans of one publish → delivery through the OpenTelemetry SDK's
/// in-memory exporter, and the W3C trace context on the delivered request.
/// </summary>
public sealed partial class TracingTests
{
    private const string PublisherTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string PublisherSpanId = "00f067aa0ba902b7";
    private const string PayloadMarker = "payload-marker-7f3a";
    private const string TokenMarker = "token-marker-b91c";

    [Fact]
    public async Task Publish_WithTraceparent_SpansFormOneTreeWithIdsAndNoSecrets()
    {
        var spans = new LockedCollection<Activity>();
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync(services: s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));
        var first = true;
        receiver.Respond = _ => { var status = first ? 500 : 200; first = false; return status; };
        var webhook = await herald.Client.CreateWebhookAsync(new
        {
            name = "traced",
            url = receiver.Url("/hook"),
            event_type = "assets",
            retry_schedule = new[] { 0 },
            auth = new { type = "bearer", token = TokenMarker },
        });
        var webhookId = webhook.GetProperty("id").GetString()!;
        var secret = webhook.GetProperty("secret").GetString()!;

        await PublishAsync(
            herald,
            $$$"""{"event_type":"assets","operation":"update","object_id":"42","data":{"title":"{{{PayloadMarker}}}"}}""",
            new Dictionary<string, string> { ["traceparent"] = $"00-{PublisherTraceId}-{PublisherSpanId}-01", ["tracestate"] = "vendor=abc" });
        var delivered = await receiver.WaitForAsync(2);
        await Eventually.TrueAsync(
            () => Trace(spans).Count(s => s.OperationName == "deliver") == 2 && Trace(spans).Any(s => s.Kind == ActivityKind.Server),
            what: "both attempt spans and the publish request's span to end");

        var trace = Trace(spans);
        var http = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.DisplayName.Contains("/api/v1/events", StringComparison.Ordinal));
        Assert.Equal(PublisherSpanId, http.ParentSpanId.ToHexString());
        var publish = Assert.Single(trace, s => s.OperationName == "publish");
        Assert.Equal(http.SpanId, publish.ParentSpanId);
        Assert.Equal("Herald", publish.Source.Name);
        Assert.Equal(1, publish.GetTagItem("herald.events"));
        var match = Assert.Single(trace, s => s.OperationName == "match");
        var store = Assert.Single(trace, s => s.OperationName == "store");
        Assert.Equal(publish.SpanId, match.ParentSpanId);
        Assert.Equal(publish.SpanId, store.ParentSpanId);
        Assert.Equal(1, match.GetTagItem("herald.deliveries"));

        // Each attempt is a child of the publish span stored with the event (the retry too).
        var attempts = trace.Where(s => s.OperationName == "deliver").OrderBy(s => (int)s.GetTagItem("herald.attempt")!).ToList();
        var deliveryId = delivered[0].Header("webhook-id");
        for (var i = 0; i < attempts.Count; i++)
        {
            var attempt = attempts[i];
            Assert.Equal(ActivityKind.Client, attempt.Kind);
            Assert.Equal(publish.SpanId, attempt.ParentSpanId);
            Assert.Equal(webhookId, attempt.GetTagItem("herald.webhook.id"));
            Assert.Equal(deliveryId, attempt.GetTagItem("herald.delivery.id"));
            Assert.Equal(i + 1, attempt.GetTagItem("herald.attempt"));
            Assert.Equal(i == 0 ? 500 : 200, attempt.GetTagItem("http.response.status_code"));
            Assert.Equal(i == 0 ? ActivityStatusCode.Error : ActivityStatusCode.Unset, attempt.Status);

            // The subscriber sees the attempt's span as its parent, in the publisher's trace.
            Assert.Equal($"00-{PublisherTraceId}-{attempt.SpanId.ToHexString()}-01", delivered[i].Header("traceparent"));
            Assert.Equal("vendor=abc", delivered[i].Header("tracestate"));
        }

        foreach (var span in trace)
        {
            foreach (var (key, value) in span.TagObjects)
            {
                var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                Assert.DoesNotContain(PayloadMarker, text, StringComparison.Ordinal);
                Assert.DoesNotContain(TokenMarker, text, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(HeraldHost.AdminKey, text, StringComparison.Ordinal);
                Assert.False(key.Contains("body", StringComparison.OrdinalIgnoreCase) || key.Contains("header", StringComparison.OrdinalIgnoreCase), $"span {span.OperationName} carries {key}");
            }
        }
    }

    [Fact]
    public async Task Publish_WithoutTraceparent_DeliveredRequestCarriesHeraldsOwnTrace()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new { name = "untraced", url = receiver.Url("/hook"), event_type = "assets" });

        await herald.Client.PublishAsync("""{"event_type":"assets","operation":"create","data":{}}""");
        var delivered = Assert.Single(await receiver.WaitForAsync(1));

        var traceparent = TraceParent().Match(delivered.Header("traceparent"));
        Assert.True(traceparent.Success, delivered.Header("traceparent"));
        Assert.NotEqual(new string('0', 32), traceparent.Groups["trace"].Value);
        Assert.False(delivered.Headers.ContainsKey("tracestate"));
    }

    [Theory]
    [InlineData("traceparent")]
    [InlineData("TraceState")]
    public async Task CreateWebhook_HeaderNamedLikeTraceContext_Refused(string name)
    {
        await using var herald = await HeraldHost.StartAsync();

        var created = await herald.Client.JsonAsync(
            HttpMethod.Post,
            "api/v1/webhooks",
            $$$"""{"name":"h","url":"http://127.0.0.1:9/hook","event_type":"assets","headers":{"{{{name}}}":"00-{{{new string('1', 32)}}}-{{{new string('2', 16)}}}-01"}}""",
            System.Net.HttpStatusCode.BadRequest);

        Assert.Equal($"headers.{name}", created.GetProperty("error").GetProperty("path").GetString());
    }

    /// <summary>
    /// Publishes as an outside publisher would: the test process's own HttpClient propagation is
    /// off, since spans of the hosts in this process would otherwise replace the traceparent sent.
    /// </summary>
    private static async Task PublishAsync(HeraldHost herald, string json, Dictionary<string, string> headers)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
        using var request = new HttpRequestMessage(HttpMethod.Post, herald.BaseUrl + "/api/v1/events") { Content = new StringContent(json) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", HeraldHost.AdminKey);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    private static List<Activity> Trace(LockedCollection<Activity> spans) =>
        spans.Snapshot().Where(s => s.TraceId.ToHexString() == PublisherTraceId).ToList();

    [GeneratedRegex("^00-(?<trace>[0-9a-f]{32})-(?<span>[0-9a-f]{16})-0[01]$")]
    private static partial Regex TraceParent();

    /// <summary>The exporter adds from the threads that end spans; the test reads snapshots.</summary>
    private sealed class LockedCollection<T> : ICollection<T>
    {
        private readonly List<T> _items = [];
        private readonly Lock _lock = new();

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public List<T> Snapshot()
        {
            lock (_lock)
            {
                return [.. _items];
            }
        }

        public void Add(T item)
        {
            lock (_lock)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_lock)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item) => Snapshot().Contains(item);

        public void CopyTo(T[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(T item)
        {
            lock (_lock)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
