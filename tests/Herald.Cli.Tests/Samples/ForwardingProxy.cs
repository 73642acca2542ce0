using System.Collections.Concurrent;
using Herald.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Tests.Samples;

/// <summary>One request that went through the proxy, what the target answered, and what Herald was told.</summary>
public sealed record ForwardedRequest(RecordedRequest Request, int TargetStatus, string TargetBody, int AnsweredStatus);

/// <summary>
/// Sits between Herald and the sample: forwards every request unchanged and records it with the answer. It can
/// "lose" an answer (the target processed the request, but Herald is told 500), which is how a real duplicate
/// happens: Herald retries the same delivery id. (Not 502-504: Herald waits at least a minute after those.)
/// </summary>
public sealed class ForwardingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Host", "Content-Length", "Transfer-Encoding", "Connection" };

    private readonly WebApplication _app;
    private readonly HttpClient _target;
    private readonly ConcurrentQueue<ForwardedRequest> _forwarded = new();

    private ForwardingProxy(WebApplication app, string targetUrl)
    {
        _app = app;
        _target = new HttpClient { BaseAddress = new Uri(targetUrl) };
    }

    /// <summary>Decides, after forwarding, whether Herald is told 500 instead of the target's answer.</summary>
    public Func<RecordedRequest, bool> LoseAnswer { get; set; } = _ => false;

    public string BaseUrl { get; private set; } = string.Empty;

    public IReadOnlyList<ForwardedRequest> Forwarded => _forwarded.ToArray();

    public static async Task<ForwardingProxy> StartAsync(string targetUrl)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var proxy = new ForwardingProxy(app, targetUrl);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        proxy.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return proxy;
    }

    /// <summary>Sends a recorded request to the target again, byte for byte: a replayed delivery.</summary>
    public async Task<(int Status, string Body)> ReplayAsync(RecordedRequest request)
    {
        using var message = ToTarget(request);
        using var response = await _target.SendAsync(message);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        _target.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", headers, buffer.ToArray());

        var (status, body) = await ReplayAsync(request);
        var answered = LoseAnswer(request) ? StatusCodes.Status500InternalServerError : status;
        _forwarded.Enqueue(new ForwardedRequest(request, status, body, answered));
        context.Response.StatusCode = answered;
        await context.Response.WriteAsync(body);
    }

    private static HttpRequestMessage ToTarget(RecordedRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path.TrimStart('/')) { Content = new ByteArrayContent(request.Body) };
        foreach (var (name, value) in request.Headers.Where(h => !HopHeaders.Contains(h.Key)))
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }
}
