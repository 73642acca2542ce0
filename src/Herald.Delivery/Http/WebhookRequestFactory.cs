using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Signing;

namespace Herald.Delivery.Http;

/// <summary>Builds the signed request of PRODUCT.md §4; the body sent is exactly the bytes signed.</summary>
public static class WebhookRequestFactory
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>Per webhook definition (a new one on every change), its active secrets and decoded keys.</summary>
    private static readonly ConditionalWeakTable<Webhook, SigningMaterial> Signing = [];

    public static HttpRequestMessage Create(Webhook webhook, ClaimedDelivery delivery, int attempt, DateTimeOffset now, ReadOnlyMemory<byte> body, string? authorization)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(delivery);
        var (keys, ignite, _) = SigningFor(webhook, now);
        var seconds = now.ToUnixTimeSeconds();

        var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
        {
            Content = new ReadOnlyMemoryContent(body),
            Version = System.Net.HttpVersion.Version11,
        };
        request.Content.Headers.ContentType = Json;
        var headers = request.Headers;
        try
        {
            foreach (var (name, value) in webhook.Headers)
            {
                Add(headers, name, value, "custom header");
            }

            if (authorization is not null)
            {
                Add(headers, "Authorization", authorization, "the credentials");
            }

            Add(headers, WebhookHeaders.Event, delivery.EventName, "the event name (event_type, realm, operation)");
        }
        catch
        {
            request.Dispose();
            throw;
        }

        headers.TryAddWithoutValidation(WebhookHeaders.Id, delivery.Id);
        headers.TryAddWithoutValidation(WebhookHeaders.Timestamp, seconds.ToString(CultureInfo.InvariantCulture));
        if (keys.Length > 0)
        {
            headers.TryAddWithoutValidation(WebhookHeaders.Signature, StandardWebhookSignature.SignAll(keys, delivery.Id, seconds, body.Span));
            headers.TryAddWithoutValidation(WebhookHeaders.IgniteSignature, IgniteSignature.Sign(ignite!, now.ToUnixTimeMilliseconds(), body.Span));
        }

        headers.TryAddWithoutValidation(WebhookHeaders.DeliveryId, delivery.Id);
        headers.TryAddWithoutValidation(WebhookHeaders.Attempt, attempt.ToString(CultureInfo.InvariantCulture));
        Tracing.TraceContextHeaders.Add(headers, delivery);
        return request;
    }

    /// <summary>
    /// Adds a header built from stored or fetched text only when it is header-safe: the API refuses
    /// unsafe values at the door, and this refuses rows stored before it did (and tokens from a
    /// token endpoint), so a CR/LF can never add a header or smuggle a request onto the wire.
    /// The attempt fails with the reason instead; the value itself is not repeated (it may be a secret).
    /// </summary>
    private static void Add(HttpRequestHeaders headers, string name, string value, string what)
    {
        if (!HeaderValue.IsToken(name))
        {
            throw new HttpRequestException($"refused to send: the header name of {what} is not a valid HTTP token");
        }

        if (HeaderValue.Problem(value) is { } problem)
        {
            throw new HttpRequestException($"refused to send: header {name} ({what}) {problem}");
        }

        headers.TryAddWithoutValidation(name, value);
    }

    /// <summary>The keys that sign at <paramref name="now"/>, made once until the earliest active secret expires.</summary>
    private static SigningMaterial SigningFor(Webhook webhook, DateTimeOffset now)
    {
        if (Signing.TryGetValue(webhook, out var cached) && now < cached.ValidUntil)
        {
            return cached;
        }

        var active = webhook.Secrets.Where(s => s.ExpiresAt is null || s.ExpiresAt > now).ToList();
        var validUntil = active.Where(s => s.ExpiresAt is not null).Select(s => s.ExpiresAt!.Value).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        var material = new SigningMaterial(
            [.. active.Select(s => new HmacKey(WebhookSecret.DecodeStandardKey(s.Secret)))],
            active.Count > 0 ? IgniteSignature.KeyOf(active[0].Secret) : null,
            validUntil);
        Signing.AddOrUpdate(webhook, material);
        return material;
    }

    /// <summary>Standard Webhooks keys of every active secret, and the Ignite key of the first (the current one).</summary>
    private sealed record SigningMaterial(HmacKey[] Keys, HmacKey? Ignite, DateTimeOffset ValidUntil);
}
