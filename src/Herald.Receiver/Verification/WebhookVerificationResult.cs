namespace Herald.Receiver;

/// <summary>The outcome of verifying one delivery.</summary>
/// <param name="Failure">Why verification failed, or <see cref="WebhookVerificationFailure.None"/>.</param>
/// <param name="Message">A human-readable explanation, safe to return to the sender (it never contains secrets).</param>
/// <param name="Scheme">The scheme that was checked, or <see cref="WebhookSignatureSchemes.None"/> when none applied.</param>
/// <param name="Timestamp">The signed timestamp, when it could be read.</param>
public sealed record WebhookVerificationResult(
    WebhookVerificationFailure Failure,
    string Message,
    WebhookSignatureSchemes Scheme,
    DateTimeOffset? Timestamp)
{
    /// <summary>True when the signature matched and the timestamp is within the tolerance.</summary>
    public bool IsValid => Failure == WebhookVerificationFailure.None;

    /// <summary>
    /// True when the request is malformed (unparseable timestamp or signature header) rather than
    /// merely unauthenticated; the ASP.NET Core mapping answers 400 for these and 401 for the rest.
    /// </summary>
    public bool IsMalformed => Failure is WebhookVerificationFailure.MalformedTimestamp or WebhookVerificationFailure.MalformedSignature;

    internal static WebhookVerificationResult Valid(WebhookSignatureSchemes scheme, DateTimeOffset? timestamp) =>
        new(WebhookVerificationFailure.None, "verified", scheme, timestamp);

    internal static WebhookVerificationResult Fail(
        WebhookVerificationFailure failure, string message, WebhookSignatureSchemes scheme, DateTimeOffset? timestamp = null) =>
        new(failure, message, scheme, timestamp);
}
