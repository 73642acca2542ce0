using System.Net.Http.Headers;
using System.Text.Json;
using Herald.Signing;
using Microsoft.AspNetCore.Http;

namespace Herald.Receiver.Tests.AspNetCore;

/// <summary>Builds real HTTP deliveries signed as Herald signs them, and reads the receiver's answers.</summary>
internal static class WebhookRequests
{
    public static HttpRequestMessage Delivery(
        byte[] body,
        string id = "msg_1",
        DateTimeOffset? at = null,
        int attempt = 1,
        IReadOnlyList<string>? secrets = null,
        Action<HeaderDictionary>? change = null)
    {
        var headers = TestDeliveries.Headers(body, id, at ?? DateTimeOffset.UtcNow, secrets);
        headers[WebhookHeaders.Attempt] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        change?.Invoke(headers);
        return FromHeaders(body, headers);
    }

    public static HttpRequestMessage FromHeaders(byte[] body, IHeaderDictionary headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, values) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        return request;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<string> StatusAsync(HttpResponseMessage response) =>
        (await JsonAsync(response)).GetProperty("status").GetString()!;

    public static async Task<string> ReasonAsync(HttpResponseMessage response) =>
        (await JsonAsync(response)).GetProperty("error").GetProperty("reason").GetString()!;
}
