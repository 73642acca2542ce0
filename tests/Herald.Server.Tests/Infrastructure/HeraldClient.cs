using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>A thin API client: raw responses for status assertions, parsed JSON for content.</summary>
public sealed class HeraldClient(HttpClient http, string key) : IDisposable
{
    public HttpClient Http => http;

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, IDictionary<string, string>? headers = null)
    {
        var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return http.SendAsync(request);
    }

    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, string? json = null, HttpStatusCode expected = HttpStatusCode.OK, IDictionary<string, string>? headers = null)
    {
        using var response = await SendAsync(method, path, json, headers);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}, expected {(int)expected}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> CreateWebhookAsync(object definition) =>
        JsonAsync(HttpMethod.Post, "api/v1/webhooks", JsonSerializer.Serialize(definition), HttpStatusCode.Created);

    public Task<JsonElement> PublishAsync(string json, IDictionary<string, string>? headers = null) =>
        JsonAsync(HttpMethod.Post, "api/v1/events", json, HttpStatusCode.Accepted, headers);

    public Task<JsonElement> GetAsync(string path) => JsonAsync(HttpMethod.Get, path);

    public async Task<string> WebhookStatusAsync(string id) => (await GetAsync($"api/v1/webhooks/{id}")).GetProperty("status").GetString()!;

    public void Dispose() => http.Dispose();
}
