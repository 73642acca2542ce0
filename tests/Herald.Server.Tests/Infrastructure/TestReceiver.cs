using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>One request as the receiver saw it: the raw body bytes and every header.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset ReceivedAt)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : string.Empty;

    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>A real Kestrel server on a loopback port that records what it is sent and answers as told.</summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();

    private TestReceiver(WebApplication app) => _app = app;

    /// <summary>Status code per request; 200 unless a test says otherwise.</summary>
    public Func<ReceivedRequest, int> Respond { get; set; } = _ => 200;

    /// <summary>When set, decides the status code instead of <see cref="Respond"/> (e.g. to validate a token).</summary>
    public Func<ReceivedRequest, Task<int>>? RespondAsync { get; set; }

    /// <summary>Response headers per request (e.g. Retry-After).</summary>
    public Func<ReceivedRequest, IDictionary<string, string>?> ResponseHeaders { get; set; } = _ => null;

    public string BaseUrl { get; private set; } = string.Empty;

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    public string Url(string path) => BaseUrl + path;

    public static async Task<TestReceiver> StartAsync()
    {
        var app = LoopbackApp.Create();
        var receiver = new TestReceiver(app);
        app.Run(receiver.HandleAsync);
        receiver.BaseUrl = await LoopbackApp.StartAsync(app);
        return receiver;
    }

    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() => _requests.Count >= count, timeout, $"the receiver to get {count} request(s)");
        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedRequest(context.Request.Path.Value ?? "/", headers, buffer.ToArray(), DateTimeOffset.UtcNow);
        _requests.Enqueue(request);
        context.Response.StatusCode = RespondAsync is { } respondAsync ? await respondAsync(request) : Respond(request);
        foreach (var (name, value) in ResponseHeaders(request) ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync($"received {request.Path}");
    }
}
