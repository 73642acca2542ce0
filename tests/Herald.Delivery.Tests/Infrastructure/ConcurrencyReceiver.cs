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
    private int _inFlight;
    private int _maxInFlight;

    private ConcurrencyReceiver(WebApplication app) => _app = app;

    public TimeSpan Hold { get; init; } = TimeSpan.FromMilliseconds(40);

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
        await _app.StopAsync();
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
