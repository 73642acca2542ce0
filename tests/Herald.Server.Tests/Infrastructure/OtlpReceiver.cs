using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>A span as an OTLP/HTTP export carried it.</summary>
public sealed record OtlpSpan(string Scope, string Name, string TraceId, string SpanId, string ParentSpanId);

/// <summary>
/// A real OTLP/HTTP receiver on loopback (Kestrel): accepts <c>/v1/metrics</c>, <c>/v1/traces</c>
/// and <c>/v1/logs</c> protobuf posts as a collector would, and decodes the parts tests look at
/// (metric names per scope, spans) with a small protobuf wire reader.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Scope, string Name)> _metrics = new();
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<string> _contentTypes = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public IReadOnlyList<(string Scope, string Name)> Metrics => [.. _metrics];

    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    public IReadOnlyList<string> ContentTypes => [.. _contentTypes];

    private int _logPosts;

    public int LogPosts => Volatile.Read(ref _logPosts);

    public static async Task<OtlpReceiver> StartAsync()
    {
        var app = LoopbackApp.Create();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/metrics", context => receiver.ReceiveAsync(context, receiver.ReadMetrics));
        app.MapPost("/v1/traces", context => receiver.ReceiveAsync(context, receiver.ReadTraces));
        app.MapPost("/v1/logs", context => receiver.ReceiveAsync(context, _ => Interlocked.Increment(ref receiver._logPosts)));
        receiver.BaseUrl = await LoopbackApp.StartAsync(app);
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ReceiveAsync(HttpContext context, Action<ReadOnlyMemory<byte>> read)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        _contentTypes.Enqueue(context.Request.ContentType ?? string.Empty);
        read(buffer.ToArray());

        // An empty Export*ServiceResponse: full success.
        context.Response.ContentType = "application/x-protobuf";
    }

    // ExportMetricsServiceRequest.resource_metrics(1) → ResourceMetrics.scope_metrics(2) →
    // ScopeMetrics.scope(1).name(1), ScopeMetrics.metrics(2) → Metric.name(1).
    private void ReadMetrics(ReadOnlyMemory<byte> request)
    {
        foreach (var resource in Protobuf.Messages(request, 1))
        {
            foreach (var scopeMetrics in Protobuf.Messages(resource, 2))
            {
                var scope = Protobuf.Messages(scopeMetrics, 1).Select(s => Protobuf.String(s, 1)).FirstOrDefault() ?? string.Empty;
                foreach (var metric in Protobuf.Messages(scopeMetrics, 2))
                {
                    _metrics.Enqueue((scope, Protobuf.String(metric, 1) ?? string.Empty));
                }
            }
        }
    }

    // ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) →
    // ScopeSpans.scope(1).name(1), ScopeSpans.spans(2) → Span trace_id(1), span_id(2),
    // parent_span_id(4), name(5).
    private void ReadTraces(ReadOnlyMemory<byte> request)
    {
        foreach (var resource in Protobuf.Messages(request, 1))
        {
            foreach (var scopeSpans in Protobuf.Messages(resource, 2))
            {
                var scope = Protobuf.Messages(scopeSpans, 1).Select(s => Protobuf.String(s, 1)).FirstOrDefault() ?? string.Empty;
                foreach (var span in Protobuf.Messages(scopeSpans, 2))
                {
                    _spans.Enqueue(new OtlpSpan(
                        scope,
                        Protobuf.String(span, 5) ?? string.Empty,
                        Protobuf.Hex(span, 1),
                        Protobuf.Hex(span, 2),
                        Protobuf.Hex(span, 4)));
                }
            }
        }
    }

    /// <summary>Just enough of the protobuf wire format to walk length-delimited fields.</summary>
    private static class Protobuf
    {
        public static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int field) =>
            Fields(message).Where(f => f.Field == field).Select(f => f.Bytes);

        public static string? String(ReadOnlyMemory<byte> message, int field) =>
            Messages(message, field).Select(b => System.Text.Encoding.UTF8.GetString(b.Span)).FirstOrDefault();

        public static string Hex(ReadOnlyMemory<byte> message, int field) =>
            Messages(message, field).Select(b => Convert.ToHexStringLower(b.Span)).FirstOrDefault() ?? string.Empty;

        private static List<(int Field, ReadOnlyMemory<byte> Bytes)> Fields(ReadOnlyMemory<byte> message)
        {
            var fields = new List<(int, ReadOnlyMemory<byte>)>();
            var span = message.Span;
            var at = 0;
            while (at < span.Length)
            {
                var key = Varint(span, ref at);
                var field = (int)(key >> 3);
                switch (key & 7)
                {
                    case 0:
                        Varint(span, ref at);
                        break;
                    case 1:
                        at += 8;
                        break;
                    case 2:
                        var length = (int)Varint(span, ref at);
                        fields.Add((field, message.Slice(at, length)));
                        at += length;
                        break;
                    case 5:
                        at += 4;
                        break;
                    default:
                        throw new InvalidDataException($"unsupported wire type {key & 7} at {at}");
                }
            }

            return fields;
        }

        private static ulong Varint(ReadOnlySpan<byte> span, ref int at)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = span[at++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
        }
    }
}
