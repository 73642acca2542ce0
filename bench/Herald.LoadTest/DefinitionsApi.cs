using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Herald.LoadTest;

/// <summary>
/// The definitions scenario's calls: webhook create / edit / delete through Herald's API, and list
/// pages through Herald's list and the iconik-compatible one. Bodies are built from the webhook's
/// number, so every run defines the same 100,000 webhooks.
/// </summary>
internal sealed class DefinitionsApi : IDisposable
{
    private static readonly string[] EventTypes = ["assets", "collections", "segments", "jobs", "metadata"];
    private static readonly string[] Realms = ["entity", "metadata", "proxies", "formats", "files"];
    private static readonly string?[] OperationsUsed = [null, "create", "update", "delete"];
    private readonly HttpClient _http;
    private readonly string _adminKey;

    public DefinitionsApi(HeraldProcess herald)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, UseCookies = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 256 };
        _http = new HttpClient(handler) { BaseAddress = herald.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        _adminKey = herald.AdminKey;
    }

    /// <summary>Domain <paramref name="index"/>'s id, shaped like iconik's system domain ids.</summary>
    public static string Domain(int index) => $"00000000-0000-4000-8000-{index.ToString("D12", CultureInfo.InvariantCulture)}";

    /// <summary>Webhook number <paramref name="i"/>: its domain, event type, filters, and for some a query, headers or limits.</summary>
    public static byte[] Definition(int i, int domains)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", $"definition {i}");
            json.WriteString("url", $"http://127.0.0.1:9/hooks/{i}");
            json.WriteString("domain_id", Domain(i % domains));
            json.WriteString("event_type", EventTypes[(i / domains) % EventTypes.Length]);
            if (OperationsUsed[i % OperationsUsed.Length] is { } operation)
            {
                json.WriteString("operation", operation);
            }

            if (i % 3 != 0)
            {
                json.WriteString("realm", Realms[(i / 3) % Realms.Length]);
            }

            if (i % 10 == 0)
            {
                json.WriteString("query", "data.status=\"CLOSED\" AND data.size>1000");
            }

            if (i % 4 == 0)
            {
                json.WriteStartObject("headers");
                json.WriteString("X-Team", "media");
                json.WriteEndObject();
            }

            if (i % 20 == 0)
            {
                json.WriteNumber("max_concurrency", 4);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public async Task<string> CreateAsync(byte[] definition, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, "/api/v1/webhooks", definition);
        using var response = await SendAsync(request, HttpStatusCode.Created, cancellationToken);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("id").GetString()!;
    }

    public async Task RenameAsync(string id, string name, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Patch, $"/api/v1/webhooks/{id}", JsonSerializer.SerializeToUtf8Bytes(new { name }));
        using var response = await SendAsync(request, HttpStatusCode.OK, cancellationToken);
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Delete, $"/api/v1/webhooks/{id}", null);
        using var response = await SendAsync(request, HttpStatusCode.NoContent, cancellationToken);
    }

    /// <summary>A domain API key (its secret), for the lists a tenant sees.</summary>
    public async Task<string> CreateDomainKeyAsync(string domain, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, "/api/v1/keys", JsonSerializer.SerializeToUtf8Bytes(new { domain_id = domain }));
        using var response = await SendAsync(request, HttpStatusCode.Created, cancellationToken);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>One iconik list page (<c>Auth-Token</c> auth); returns its object count and total.</summary>
    public async Task<(int Objects, int Total)> IconikPageAsync(string key, int page, int perPage, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/API/notifications/v1/webhooks/?page={page}&per_page={perPage}");
        request.Headers.Add("Auth-Token", key);
        using var response = await SendAsync(request, HttpStatusCode.OK, cancellationToken);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return (body.RootElement.GetProperty("objects").GetArrayLength(), body.RootElement.GetProperty("total").GetInt32());
    }

    /// <summary>One page of Herald's own list (admin); returns the next cursor.</summary>
    public async Task<string?> HeraldPageAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"/api/v1/webhooks?limit={limit}" + (cursor is null ? string.Empty : $"&cursor={cursor}"), null);
        using var response = await SendAsync(request, HttpStatusCode.OK, cancellationToken);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("next").GetString();
    }

    public string AdminKey => _adminKey;

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage Request(HttpMethod method, string path, byte[]? body)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _adminKey);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode != expected)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new InvalidOperationException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {(text.Length > 300 ? text[..300] : text)}");
        }

        return response;
    }
}
