namespace Herald.Receiver;

/// <summary>The signature schemes a Herald delivery carries (PRODUCT.md §4).</summary>
[Flags]
public enum WebhookSignatureSchemes
{
    /// <summary>No scheme: used on results where no scheme could be chosen.</summary>
    None = 0,

    /// <summary>
    /// Standard Webhooks: <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds) and
    /// <c>webhook-signature</c> (space-separated <c>v1,&lt;base64&gt;</c> entries).
    /// </summary>
    Standard = 1,

    /// <summary>Ignite style: <c>X-Webhook-Signature: t=&lt;unix ms&gt;,v1=&lt;hex&gt;</c>.</summary>
    Ignite = 2,

    /// <summary>Either scheme; Standard Webhooks is preferred when both headers are present.</summary>
    Any = Standard | Ignite,
}
