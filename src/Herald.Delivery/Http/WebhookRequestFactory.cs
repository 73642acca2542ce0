using System.Globalization;
using System.Net.Http.Headers;
using Herald.Core.Webhooks;
using Herald.Signing;
using Herald.Storage;

namespace Herald.Delivery.Http;

/// <summary>Builds the signed request of PRODUCT.md §4; the body sent is exactly the bytes signed.</summary>
public static class WebhookRequestFactory
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static HttpRequestMessage Create(Webhook webhook, ClaimedDelivery delivery, int attempt, DateTimeOffset now, ReadOnlyMemory<byte> body, string? authorization)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(delivery);
        var secrets = webhook.ActiveSecrets(now).ToList();
        var seconds = now.ToUnixTimeSeconds();
        var keys = secrets.Select(WebhookSecret.DecodeStandardKey).ToList();

        var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
        {
            Content = new ReadOnlyMemoryContent(body),
            Version = System.Net.HttpVersion.Version11,
        };
        request.Content.Headers.ContentType = Json;
        foreach (var (name, value) in webhook.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var headers = request.Headers;
        if (authorization is not null)
        {
            headers.TryAddWithoutValidation("Authorization", authorization);
        }

        headers.TryAddWithoutValidation(WebhookHeaders.Id, delivery.Id);
        headers.TryAddWithoutValidation(WebhookHeaders.Timestamp, seconds.ToString(CultureInfo.InvariantCulture));
        if (keys.Count > 0)
        {
            headers.TryAddWithoutValidation(WebhookHeaders.Signature, StandardWebhookSignature.SignAll(keys, delivery.Id, seconds, body.Span));
            headers.TryAddWithoutValidation(WebhookHeaders.IgniteSignature, IgniteSignature.Sign(secrets[0], now.ToUnixTimeMilliseconds(), body.Span));
        }

        headers.TryAddWithoutValidation(WebhookHeaders.DeliveryId, delivery.Id);
        headers.TryAddWithoutValidation(WebhookHeaders.Event, delivery.EventName);
        headers.TryAddWithoutValidation(WebhookHeaders.Attempt, attempt.ToString(CultureInfo.InvariantCulture));
        return request;
    }
}
