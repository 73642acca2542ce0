using System.Globalization;
using System.Net.Http.Headers;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Signing;

namespace Herald.Delivery.Http;

/// <summary>
/// Builds the signed request of PRODUCT.md §4; the body sent is exactly the bytes signed. What does
/// not change between attempts (target URI, checked custom headers, signing keys) comes from the
/// definition's <see cref="RequestTemplate"/>; per attempt only the ids, times and signatures are new.
/// </summary>
public static class WebhookRequestFactory
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>Attempt numbers as header text; a retry schedule rarely goes past a few dozen.</summary>
    private static readonly string[] AttemptTexts = [.. Enumerable.Range(0, 64).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>The last timestamp written and its text: every attempt within one second shares it.</summary>
    private static TimestampText? _lastTimestamp;

    public static HttpRequestMessage Create(Webhook webhook, ClaimedDelivery delivery, int attempt, DateTimeOffset now, ReadOnlyMemory<byte> body, string? authorization)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(delivery);
        var template = RequestTemplate.For(webhook);
        var signing = template.SigningAt(now);
        var seconds = now.ToUnixTimeSeconds();

        // The same refusals, in the same order, as checking each header while adding it.
        if (template.HeaderProblem is { } headerProblem)
        {
            throw new HttpRequestException(headerProblem);
        }

        if (authorization is not null && template.AuthorizationProblem(authorization) is { } authProblem)
        {
            throw new HttpRequestException(authProblem);
        }

        if (RequestTemplate.Refusal(WebhookHeaders.Event, delivery.EventName, "the event name (event_type, realm, operation)") is { } eventProblem)
        {
            throw new HttpRequestException(eventProblem);
        }

        var request = template.Uri is { } uri
            ? new HttpRequestMessage(HttpMethod.Post, uri)
            : new HttpRequestMessage(HttpMethod.Post, webhook.Url);
        request.Content = new ReadOnlyMemoryContent(body);
        request.Version = System.Net.HttpVersion.Version11;
        request.Content.Headers.ContentType = Json;
        var headers = request.Headers;
        foreach (var (name, value) in template.Headers)
        {
            headers.TryAddWithoutValidation(name, value);
        }

        if (authorization is not null)
        {
            headers.TryAddWithoutValidation("Authorization", authorization);
        }

        headers.TryAddWithoutValidation(WebhookHeaders.Event, delivery.EventName);
        headers.TryAddWithoutValidation(WebhookHeaders.Id, delivery.Id);
        headers.TryAddWithoutValidation(WebhookHeaders.Timestamp, TimestampOf(seconds));
        if (signing.Keys.Length > 0)
        {
            headers.TryAddWithoutValidation(WebhookHeaders.Signature, StandardWebhookSignature.SignAll(signing.Keys, delivery.Id, seconds, body.Span));
            headers.TryAddWithoutValidation(WebhookHeaders.IgniteSignature, IgniteSignature.Sign(signing.Ignite!, now.ToUnixTimeMilliseconds(), body.Span));
        }

        headers.TryAddWithoutValidation(WebhookHeaders.DeliveryId, delivery.Id);
        headers.TryAddWithoutValidation(WebhookHeaders.Attempt, (uint)attempt < (uint)AttemptTexts.Length ? AttemptTexts[attempt] : attempt.ToString(CultureInfo.InvariantCulture));
        Tracing.TraceContextHeaders.Add(headers, delivery, template.ClearsTraceHeaders);
        return request;
    }

    private static string TimestampOf(long seconds)
    {
        var last = Volatile.Read(ref _lastTimestamp);
        if (last is not null && last.Seconds == seconds)
        {
            return last.Text;
        }

        var text = seconds.ToString(CultureInfo.InvariantCulture);
        Volatile.Write(ref _lastTimestamp, new TimestampText(seconds, text));
        return text;
    }

    private sealed record TimestampText(long Seconds, string Text);
}
