using System.Globalization;
using Herald.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Herald.Receiver;

/// <summary>
/// Verifies Herald deliveries signed with Standard Webhooks or the Ignite scheme: the timestamp must be
/// within the tolerance and any signature in the header must match any configured secret. Signatures are
/// compared in constant time. Thread-safe; create one per set of secrets and reuse it.
/// </summary>
public sealed class WebhookVerifier
{
    private readonly string[] secrets;
    private readonly byte[][] standardKeys;
    private readonly long toleranceMilliseconds;
    private readonly WebhookSignatureSchemes schemes;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates a verifier for <paramref name="secrets"/> with the default tolerance and both schemes.</summary>
    /// <param name="secrets">One or more signing secrets; several while a secret is being rotated.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException">No secret was given, or one is empty.</exception>
    public WebhookVerifier(IEnumerable<string> secrets, TimeProvider? timeProvider = null)
        : this(CreateOptions(secrets), timeProvider)
    {
    }

    /// <summary>Creates a verifier from <paramref name="options"/>.</summary>
    /// <param name="options">Secrets, tolerance and accepted schemes.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException">
    /// No secret, an empty secret, a non-positive tolerance, no scheme, or only Standard Webhooks accepted
    /// while no secret decodes to a Standard Webhooks key.
    /// </exception>
    public WebhookVerifier(WebhookVerifierOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        secrets = [.. options.Secrets];
        if (secrets.Length == 0)
        {
            throw new ArgumentException("At least one webhook secret is required.", nameof(options));
        }

        if (secrets.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Webhook secrets must not be empty.", nameof(options));
        }

        if (options.Tolerance <= TimeSpan.Zero)
        {
            throw new ArgumentException("The timestamp tolerance must be positive.", nameof(options));
        }

        if ((options.Schemes & WebhookSignatureSchemes.Any) == WebhookSignatureSchemes.None)
        {
            throw new ArgumentException("At least one signature scheme must be accepted.", nameof(options));
        }

        // A secret that is not base64 (e.g. one issued by Ignite itself) can still verify Ignite signatures.
        standardKeys = [.. secrets.Select(s => WebhookSecret.TryDecodeStandardKey(s, out var key) ? key : null).OfType<byte[]>()];
        if (options.Schemes == WebhookSignatureSchemes.Standard && standardKeys.Length == 0)
        {
            throw new ArgumentException("No secret is a base64 Standard Webhooks key (whsec_<base64>).", nameof(options));
        }

        toleranceMilliseconds = (long)options.Tolerance.TotalMilliseconds;
        schemes = options.Schemes;
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Verifies a request by its headers: Standard Webhooks when <c>webhook-signature</c> is present (and
    /// accepted), otherwise Ignite when <c>X-Webhook-Signature</c> is present (and accepted).
    /// </summary>
    /// <param name="headers">The request headers (names are matched case-insensitively).</param>
    /// <param name="body">The raw request body, exactly as received.</param>
    public WebhookVerificationResult Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var standard = Join(headers[WebhookHeaders.Signature], ' ');
        if (standard is not null && AcceptsStandard)
        {
            return VerifyStandard(headers[WebhookHeaders.Id].ToString(), headers[WebhookHeaders.Timestamp].ToString(), standard, body);
        }

        var ignite = Join(headers[WebhookHeaders.IgniteSignature], ',');
        if (ignite is not null && schemes.HasFlag(WebhookSignatureSchemes.Ignite))
        {
            return VerifyIgnite(ignite, body);
        }

        var expected = AcceptsStandard && schemes.HasFlag(WebhookSignatureSchemes.Ignite)
            ? $"{WebhookHeaders.Signature} or {WebhookHeaders.IgniteSignature}"
            : AcceptsStandard ? WebhookHeaders.Signature : WebhookHeaders.IgniteSignature;
        return WebhookVerificationResult.Fail(
            WebhookVerificationFailure.MissingHeaders, $"missing signature header: {expected}", WebhookSignatureSchemes.None);
    }

    /// <summary>Verifies a Standard Webhooks delivery from its three header values.</summary>
    /// <param name="messageId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header (Unix seconds).</param>
    /// <param name="signatures">The <c>webhook-signature</c> header: space-separated <c>v1,&lt;base64&gt;</c> entries.</param>
    /// <param name="body">The raw request body.</param>
    public WebhookVerificationResult VerifyStandard(string? messageId, string? timestamp, string? signatures, ReadOnlySpan<byte> body)
    {
        const WebhookSignatureSchemes scheme = WebhookSignatureSchemes.Standard;
        var missing = new[] { (WebhookHeaders.Id, messageId), (WebhookHeaders.Timestamp, timestamp), (WebhookHeaders.Signature, signatures) }
            .Where(h => string.IsNullOrWhiteSpace(h.Item2))
            .Select(h => h.Item1)
            .ToArray();
        if (missing.Length > 0)
        {
            return WebhookVerificationResult.Fail(
                WebhookVerificationFailure.MissingHeaders, $"missing header(s): {string.Join(", ", missing)}", scheme);
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return WebhookVerificationResult.Fail(
                WebhookVerificationFailure.MalformedTimestamp, $"{WebhookHeaders.Timestamp} must be Unix seconds", scheme);
        }

        if (CheckTimestamp((Int128)seconds * 1000, scheme) is { } stale)
        {
            return stale;
        }

        var matched = false;
        foreach (var key in standardKeys)
        {
            matched |= StandardWebhookSignature.Verify(key, messageId!, seconds, body, signatures!);
        }

        return matched
            ? WebhookVerificationResult.Valid(scheme, DateTimeOffset.FromUnixTimeSeconds(seconds))
            : WebhookVerificationResult.Fail(
                WebhookVerificationFailure.NoMatchingSignature,
                $"no v1 signature in {WebhookHeaders.Signature} matches the body under any configured secret",
                scheme,
                DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    /// <summary>Verifies an Ignite-style delivery from its <c>X-Webhook-Signature</c> header.</summary>
    /// <param name="signatureHeader">The header value: <c>t=&lt;unix ms&gt;,v1=&lt;hex&gt;</c> (several <c>v1=</c> allowed).</param>
    /// <param name="body">The raw request body.</param>
    public WebhookVerificationResult VerifyIgnite(string? signatureHeader, ReadOnlySpan<byte> body)
    {
        const WebhookSignatureSchemes scheme = WebhookSignatureSchemes.Ignite;
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return WebhookVerificationResult.Fail(
                WebhookVerificationFailure.MissingHeaders, $"missing header(s): {WebhookHeaders.IgniteSignature}", scheme);
        }

        if (!IgniteSignature.TryParse(signatureHeader, out var milliseconds, out _))
        {
            return WebhookVerificationResult.Fail(
                WebhookVerificationFailure.MalformedSignature,
                $"{WebhookHeaders.IgniteSignature} must look like t=<unix ms>,v1=<hex>",
                scheme);
        }

        if (CheckTimestamp(milliseconds, scheme) is { } stale)
        {
            return stale;
        }

        var matched = false;
        foreach (var secret in secrets)
        {
            matched |= IgniteSignature.Verify(secret, body, signatureHeader);
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        return matched
            ? WebhookVerificationResult.Valid(scheme, at)
            : WebhookVerificationResult.Fail(
                WebhookVerificationFailure.NoMatchingSignature,
                $"no v1 signature in {WebhookHeaders.IgniteSignature} matches the body under any configured secret",
                scheme,
                at);
    }

    private bool AcceptsStandard => schemes.HasFlag(WebhookSignatureSchemes.Standard) && standardKeys.Length > 0;

    // Int128 so that absurd timestamps cannot overflow the arithmetic; they are simply too new.
    private WebhookVerificationResult? CheckTimestamp(Int128 timestampMilliseconds, WebhookSignatureSchemes scheme)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var age = now - timestampMilliseconds;
        if (age > toleranceMilliseconds)
        {
            return WebhookVerificationResult.Fail(
                WebhookVerificationFailure.TimestampTooOld,
                string.Create(CultureInfo.InvariantCulture, $"timestamp is {age / 1000} s old; tolerance is {toleranceMilliseconds / 1000} s"),
                scheme,
                DateTimeOffset.FromUnixTimeMilliseconds((long)timestampMilliseconds));
        }

        if (-age > toleranceMilliseconds)
        {
            return WebhookVerificationResult.Fail(
                WebhookVerificationFailure.TimestampTooNew,
                string.Create(CultureInfo.InvariantCulture, $"timestamp is {-age / 1000} s in the future; tolerance is {toleranceMilliseconds / 1000} s"),
                scheme);
        }

        return null;
    }

    private static string? Join(StringValues values, char separator) =>
        values.Count switch
        {
            0 => null,
            1 => string.IsNullOrWhiteSpace(values[0]) ? null : values[0],
            _ => string.Join(separator, values.ToArray()),
        };

    private static WebhookVerifierOptions CreateOptions(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var options = new WebhookVerifierOptions();
        foreach (var secret in secrets)
        {
            options.Secrets.Add(secret);
        }

        return options;
    }
}
