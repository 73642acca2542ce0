using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.LoadTest;

/// <summary>
/// A Kestrel server on 127.0.0.1 that answers every POST with an empty 200 as fast as it can.
/// Requests go to <c>/{route}/{webhook}</c>; each route is one phase's <see cref="ReceiveTally"/>.
/// </summary>
internal sealed class LoadReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile KeyValuePair<string, ReceiveTally>[] _routes = [];
    private volatile KeyValuePair<string, HangingRoute>[] _hanging = [];
    private int _strays;

    private LoadReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Requests that matched no route or carried no readable stamp.</summary>
    public int Strays => Volatile.Read(ref _strays);

    public static async Task<LoadReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var receiver = new LoadReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseUrl = address.TrimEnd('/');
        return receiver;
    }

    /// <summary>Sends <c>/{name}/…</c> to <paramref name="tally"/> (replacing any earlier one of that name).</summary>
    public void Route(string name, ReceiveTally tally) =>
        _routes = [.. _routes.Where(r => r.Key != name), new(name, tally)];

    /// <summary>Holds requests to <c>/{name}/…</c> as <paramref name="route"/> says (replacing any earlier one of that name).</summary>
    public void Hang(string name, HangingRoute route) =>
        _hanging = [.. _hanging.Where(r => r.Key != name), new(name, route)];

    public string Url(string route, int webhook) => $"{BaseUrl}/{route}/{webhook}";

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync(context.RequestAborted);
            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        if (FindHanging(context.Request.Path.Value) is { } hanging)
        {
            reader.AdvanceTo(read.Buffer.End);
            await hanging.HoldAsync(context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentLength = 0;
            return;
        }

        var received = Stopwatch.GetTimestamp();
        var stamped = EventBodies.TryReadStamp(read.Buffer, out var seq, out var sent);
        reader.AdvanceTo(read.Buffer.End);

        if (stamped && TryRoute(context.Request.Path.Value, out var tally, out var webhook))
        {
            tally.Record(webhook, seq, sent, received);
        }
        else
        {
            Interlocked.Increment(ref _strays);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = 0;
    }

    private HangingRoute? FindHanging(string? path)
    {
        var hanging = _hanging;
        if (hanging.Length == 0 || path is not { Length: > 2 } || path[0] != '/')
        {
            return null;
        }

        var span = path.AsSpan(1);
        var slash = span.IndexOf('/');
        if (slash <= 0)
        {
            return null;
        }

        var name = span[..slash];
        foreach (var route in hanging)
        {
            if (name.SequenceEqual(route.Key))
            {
                return route.Value;
            }
        }

        return null;
    }

    private bool TryRoute(string? path, out ReceiveTally tally, out int webhook)
    {
        tally = null!;
        webhook = -1;
        var span = path.AsSpan();
        if (span.Length < 4 || span[0] != '/')
        {
            return false;
        }

        span = span[1..];
        var slash = span.IndexOf('/');
        if (slash <= 0 || !TryParseInt(span[(slash + 1)..], out webhook))
        {
            return false;
        }

        var name = span[..slash];
        foreach (var route in _routes)
        {
            if (name.SequenceEqual(route.Key))
            {
                tally = route.Value;
                return true;
            }
        }

        return false;
    }

    private static bool TryParseInt(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 9)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
