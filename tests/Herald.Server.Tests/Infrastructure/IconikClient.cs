using System.Net;
using System.Text;
using System.Text.Json;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>Calls the iconik-compatible routes the way iconik scripts do: Auth-Token and App-ID headers.</summary>
public sealed class IconikClient(string baseUrl, string? authToken) : IDisposable
{
    public const string Webhooks = "API/notifications/v1/webhooks/";

    private readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl + "/") };

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (authToken is not null)
        {
            request.Headers.Add("Auth-Token", authToken);
        }

        request.Headers.Add("App-ID", "2b7bf2a0-0000-4000-8000-iconik-app-id");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (status, json) = await SendAsync(method, path, body is null ? null : JsonSerializer.Serialize(body));
        Assert.True(status == expected, $"{method} {path} answered {(int)status}, expected {(int)expected}: {json}");
        return json;
    }

    public void Dispose() => _http.Dispose();
}
