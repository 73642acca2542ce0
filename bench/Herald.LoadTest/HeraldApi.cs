using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Herald.LoadTest;

/// <summary>
/// The few Herald API calls the load test makes, over one pooled client per node: definitions go to
/// the first node, publish requests take the nodes in turn.
/// </summary>
internal sealed class HeraldApi : IDisposable
{
    private static readonly Uri Events = new("/api/v1/events", UriKind.Relative);
    private static readonly Uri Webhooks = new("/api/v1/webhooks", UriKind.Relative);
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient[] _nodes;
    private readonly HttpClient _http;
    private int _next;

    public HeraldApi(HeraldNodes herald)
    {
        _nodes = herald.Nodes.Select(Client).ToArray();
        _http = _nodes[0];
    }

    private static HttpClient Client(HeraldProcess node)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, UseCookies = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        var http = new HttpClient(handler) { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", node.AdminKey);
        return http;
    }

    /// <summary>
    /// Waits until every node matches what was just defined on the first: each node's registry follows
    /// the store's change notices (LISTEN/NOTIFY, within a second), which no API call shows, so this
    /// waits out that second with room to spare.
    /// </summary>
    public Task DefinitionsSettledAsync(CancellationToken cancellationToken) =>
        _nodes.Length > 1 ? Task.Delay(TimeSpan.FromSeconds(2), cancellationToken) : Task.CompletedTask;

    public Task<string> CreateWebhookAsync(string name, string url, string eventType, CancellationToken cancellationToken) =>
        CreateWebhookAsync(name, url, eventType, timeoutSeconds: null, cancellationToken);

    /// <summary>Creates a webhook in the given status (e.g. <c>PAUSED</c>).</summary>
    public async Task<string> CreateWebhookAsync(string name, string url, string eventType, string status, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(Webhooks, new { name, url, event_type = eventType, status }, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"creating webhook {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Pauses or resumes a webhook (<c>PATCH {"status": …}</c>).</summary>
    public async Task SetWebhookStatusAsync(string id, string status, CancellationToken cancellationToken)
    {
        using var response = await _http.PatchAsJsonAsync(new Uri($"/api/v1/webhooks/{id}", UriKind.Relative), new { status }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"setting webhook {id} to {status} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>Creates a webhook; <paramref name="timeoutSeconds"/> null keeps Herald's default per-attempt timeout.</summary>
    public async Task<string> CreateWebhookAsync(string name, string url, string eventType, int? timeoutSeconds, CancellationToken cancellationToken)
    {
        object request = timeoutSeconds is { } seconds
            ? new { name, url, event_type = eventType, timeout_seconds = seconds }
            : new { name, url, event_type = eventType };
        using var response = await _http.PostAsJsonAsync(Webhooks, request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"creating webhook {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("id").GetString()!;
    }

    public async Task DeleteWebhookAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(new Uri($"/api/v1/webhooks/{id}", UriKind.Relative), cancellationToken);
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"deleting webhook {id} answered {(int)response.StatusCode}");
        }
    }

    /// <summary>Publishes one request's events; throws unless Herald stored them (202).</summary>
    public async Task PublishAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        var node = _nodes.Length == 1 ? _http : _nodes[(uint)Interlocked.Increment(ref _next) % _nodes.Length];
        using var response = await node.PostAsync(Events, content, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"publishing answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }
}
