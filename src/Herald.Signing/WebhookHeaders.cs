namespace Herald.Signing;

/// <summary>Names of the headers Herald sets on every delivered request.</summary>
public static class WebhookHeaders
{
    /// <summary>Standard Webhooks message id; Herald's delivery id, the same on every retry.</summary>
    public const string Id = "webhook-id";

    /// <summary>Standard Webhooks timestamp: Unix seconds of this attempt.</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary>Standard Webhooks signatures: space-separated <c>v1,&lt;base64&gt;</c> entries.</summary>
    public const string Signature = "webhook-signature";

    /// <summary>Ignite-style delivery id (same value as <see cref="Id"/>).</summary>
    public const string DeliveryId = "X-Webhook-Delivery-Id";

    /// <summary>Ignite-style event name: <c>{event_type}.{realm}.{operation}</c>.</summary>
    public const string Event = "X-Webhook-Event";

    /// <summary>Ignite-style signature: <c>t=&lt;unix ms&gt;,v1=&lt;hex&gt;</c>.</summary>
    public const string IgniteSignature = "X-Webhook-Signature";

    /// <summary>Attempt number, starting at 1.</summary>
    public const string Attempt = "X-Webhook-Attempt";
}
