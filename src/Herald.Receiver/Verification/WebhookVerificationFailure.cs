namespace Herald.Receiver;

/// <summary>Why a delivery failed verification.</summary>
public enum WebhookVerificationFailure
{
    /// <summary>Verification succeeded.</summary>
    None = 0,

    /// <summary>A header the scheme needs is absent or empty (no signature header at all, or a Standard
    /// Webhooks signature without <c>webhook-id</c> or <c>webhook-timestamp</c>).</summary>
    MissingHeaders,

    /// <summary>The timestamp is not a non-negative integer.</summary>
    MalformedTimestamp,

    /// <summary>The signature header cannot be parsed (an Ignite header without <c>t=</c> or <c>v1=</c>).</summary>
    MalformedSignature,

    /// <summary>The timestamp lies further in the past than the tolerance allows (a possible replay).</summary>
    TimestampTooOld,

    /// <summary>The timestamp lies further in the future than the tolerance allows.</summary>
    TimestampTooNew,

    /// <summary>No signature in the header matches the body under any configured secret.</summary>
    NoMatchingSignature,
}
