using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Cluster;

/// <summary>One request as the counting receiver saw it.</summary>
public sealed record Receipt(string Path, string WebhookId, string ObjectId, int Seq, long ReceivedTicks);

/// <summary>
/// A real Kestrel receiver on loopback for cluster tests: records every request (path, the
/// <c>webhook-id</c> header, the event's object and sequence number), and counts the requests in
/// flight per path, holding each for the path's delay so that concurrency is really exercised.
/// </summary>
public sealed class CountingReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Receipt> _receipts = new();
    private readonly ConcurrentDictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _delays = new(StringComparer.Ordinal);

    private CountingReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public IReadOnlyList<Receipt> Receipts => _receipts.ToArray();

    public int Count => _receipts.Count;

    public string Url(string path) => BaseUrl + path;

    /// <summary>Every request to <paramref name="path"/> is held this long before its 200.</summary>
    public void Delay(string path, TimeSpan delay) => _delays[path] = delay;

    /// <summary>The most requests to <paramref name="path"/> that were ever in flight at once.</summary>
    public int MaxInFlight(string path) => _inFlight.TryGetValue(path, out var counter) ? counter.Max : 0;

    public static async Task<CountingReceiver> StartAsync()
    {
        var app = LoopbackApp.Create();
        var receiver = new CountingReceiver(app);
        app.Run(receiver.HandleAsync);
        receiver.BaseUrl = await LoopbackApp.StartAsync(app);
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var counter = _inFlight.GetOrAdd(path, _ => new InFlight());
        counter.Enter();
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var root = body.RootElement;
            var objectId = root.TryGetProperty("object_id", out var o) ? o.GetString() ?? string.Empty : string.Empty;
            var seq = root.TryGetProperty("data", out var data) && data.TryGetProperty("seq", out var s) ? s.GetInt32() : -1;
            _receipts.Enqueue(new Receipt(path, context.Request.Headers["webhook-id"].ToString(), objectId, seq, Stopwatch.GetTimestamp()));
            if (_delays.TryGetValue(path, out var delay))
            {
                // A sender that died mid-request ends the request here too, so it stops counting.
                await Task.Delay(delay, context.RequestAborted);
            }

            context.Response.StatusCode = 200;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The sender went away.
        }
        finally
        {
            counter.Leave();
        }
    }

    private sealed class InFlight
    {
        private int _now;
        private int _max;

        public int Max => Volatile.Read(ref _max);

        public void Enter()
        {
            var now = Interlocked.Increment(ref _now);
            int max;
            while (now > (max = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, max) != max)
            {
            }
        }

        public void Leave() => Interlocked.Decrement(ref _now);
    }
}
