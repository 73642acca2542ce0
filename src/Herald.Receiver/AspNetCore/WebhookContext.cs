using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Herald.Receiver;

/// <summary>One verified, first-seen delivery, as handed to a <see cref="WebhookHandler"/>.</summary>
public sealed class WebhookContext
{
    /// <summary>The delivery id (<c>webhook-id</c>, else <c>X-Webhook-Delivery-Id</c>): the same on every retry.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>The event name from <c>X-Webhook-Event</c> (e.g. <c>assets.proxies.update</c>), when sent.</summary>
    public string? EventName { get; init; }

    /// <summary>The attempt number from <c>X-Webhook-Attempt</c>: 1 for the first; 1 when the header is absent.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The raw body, exactly the bytes that were signed.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The body parsed as JSON. It does not depend on any disposable document and may be kept.</summary>
    public required JsonElement Payload { get; init; }

    /// <summary>The signed timestamp of this attempt.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The scheme whose signature was verified.</summary>
    public WebhookSignatureSchemes Scheme { get; init; }

    /// <summary>The HTTP request, for anything else (headers, services, user). Null outside ASP.NET Core.</summary>
    public HttpContext? HttpContext { get; init; }
}
