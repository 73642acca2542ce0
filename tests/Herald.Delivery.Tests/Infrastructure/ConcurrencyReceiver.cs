using System.Collections.Concurrent;
using Herald.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Tests.Infrastructure;

/// <summary>
/// A real Kestrel receiver on loopback that holds each request for <see cref="Hold"/> and keeps the
/// most requests it ever had in flight at once, which delivery ids it got, and from which test node
/// (the <see cref="NodeHeader"/> each node's HTTP client adds).
/// </summary>
internal sealed class ConcurrencyReceiver : IAsyncDisposable
{
    public const string NodeHeader = "X-Test-Node";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string DeliveryId, string Node)> _received = new();
    private readonly ConcurrentQueue<string> _started = new();
    private readonly CancellationTokenSource _release = new();
    private int _inFlight;
    private int _maxInFlight;

    private ConcurrencyReceiver(WebApplication app) => _app = app;

    public TimeSpan Hold { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Nodes whose requests are held until the receiver stops (a node whose attempts hang).</summary>
    public ConcurrentDictionary<string, bool> Hang { get; } = new();

    /// <summary>The node of every request that arrived, answered or not.</summary>
    public IReadOnlyList<string> Started => [.. _started];

    public string Url { get; private set; } = string.Empty;

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public IReadOnlyList<(string DeliveryId, string Node)> Received => [.. _received];

    public static async Task<ConcurrencyReceiver> StartAsync(TimeSpan hold)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new ConcurrencyReceiver(app) { Hold = hold };
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hook";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _release.CancelAsync();
        await _app.StopAsync();
        _release.Dispose();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
        {
        }

        try
        {
            var node = context.Request.Headers[NodeHeader].ToString();
            _started.Enqueue(node);
            if (Hang.ContainsKey(node))
            {
                await Task.Delay(Timeout.Infinite, _release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                context.Abort();
                return;
            }

            await Task.Delay(Hold);
            _received.Enqueue((context.Request.Headers[WebhookHeaders.DeliveryId].ToString(), context.Request.Headers[NodeHeader].ToString()));
            context.Response.StatusCode = 200;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
