using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Herald.Cli.Api;

/// <summary>
/// Herald's HTTP API as the CLI uses it: Bearer auth, JSON in and out, errors turned into
/// <see cref="HeraldApiException"/> (4xx, 5xx) or <see cref="CliException"/> (unreachable).
/// </summary>
internal sealed class HeraldApiClient : IDisposable
{
    private static readonly string UserAgent =
        "herald-cli/" + (typeof(HeraldApiClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0");

    private readonly HttpClient http;

    public HeraldApiClient(Uri baseUrl, string key, TimeSpan timeout)
    {
        BaseUrl = baseUrl;
        http = new HttpClient { BaseAddress = baseUrl, Timeout = timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    }

    public Uri BaseUrl { get; }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, body: null, headers: null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, string? json, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Post, path, json is null ? null : Encoding.UTF8.GetBytes(json), headers, cancellationToken);

    /// <summary>Sends one request; returns the parsed JSON answer, or <c>default</c> when the answer has no body.</summary>
    public async Task<JsonElement> SendAsync(
        HttpMethod method, string path, byte[]? body, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            // The exact bytes: Herald delivers a published event byte for byte.
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new CliException(ExitCodes.Unavailable, $"cannot reach Herald at {BaseUrl}: {exception.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unavailable, $"Herald at {BaseUrl} did not answer within {http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw ToException(response.StatusCode, text);
            }

            if (text.Length == 0)
            {
                return default;
            }

            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new CliException(ExitCodes.Unavailable, $"Herald at {BaseUrl} answered {(int)response.StatusCode} with a body that is not JSON; is this a Herald server?");
            }
        }
    }

    public void Dispose() => http.Dispose();

    /// <summary>Reads Herald's <c>{"error":{"message","path","position"}}</c>, iconik's <c>{"errors":[...]}</c>, or plain text.</summary>
    private static HeraldApiException ToException(HttpStatusCode status, string text)
    {
        string? message = null;
        string? path = null;
        int? position = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                message = Text(error, "message");
                path = Text(error, "path");
                position = error.TryGetProperty("position", out var p) && p.TryGetInt32(out var column) ? column : null;
            }
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                message = string.Join("; ", errors.EnumerateArray().Select(e => e.ToString()));
            }
        }
        catch (JsonException)
        {
            message = text.Length is > 0 and < 500 ? text.Trim() : null;
        }

        var reason = string.IsNullOrEmpty(message) ? status.ToString() : message;
        return new HeraldApiException(status, reason, path, position, text);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
