using System.Runtime.CompilerServices;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Delivery.Tracing;
using Herald.Signing;

namespace Herald.Delivery.Http;

/// <summary>
/// What every request of one webhook definition shares, worked out once instead of on every
/// attempt: the parsed target URI, the custom headers checked for header safety (or the refusal
/// every attempt reports), and the signing keys of the active secrets. Kept per definition object:
/// an edit (new version) makes a new <see cref="Webhook"/>, so its next attempt builds a new
/// template, and a definition no longer referenced takes its template with it.
/// </summary>
internal sealed class RequestTemplate
{
    private static readonly ConditionalWeakTable<Webhook, RequestTemplate> Templates = [];

    private readonly Webhook _webhook;
    private SigningMaterial? _signing;
    private string? _checkedAuthorization;

    private RequestTemplate(Webhook webhook)
    {
        _webhook = webhook;
        Uri = Uri.TryCreate(webhook.Url, UriKind.RelativeOrAbsolute, out var uri) ? uri : null;
        var headers = new List<KeyValuePair<string, string>>(webhook.Headers.Count);
        foreach (var (name, value) in webhook.Headers)
        {
            if (HeaderProblem is null && Refusal(name, value, "custom header") is { } problem)
            {
                HeaderProblem = problem;
            }

            headers.Add(new(name, value));
            ClearsTraceHeaders |= string.Equals(name, TraceContextHeaders.TraceParent, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, TraceContextHeaders.TraceState, StringComparison.OrdinalIgnoreCase);
        }

        Headers = [.. headers];
    }

    /// <summary>The target, parsed once; null when the stored URL does not parse (each attempt then fails as it always did).</summary>
    public Uri? Uri { get; }

    /// <summary>The custom headers in their stored order.</summary>
    public KeyValuePair<string, string>[] Headers { get; }

    /// <summary>Why the custom headers cannot be sent (the first refused one), or null.</summary>
    public string? HeaderProblem { get; }

    /// <summary>A custom header is named <c>traceparent</c> or <c>tracestate</c>: Herald's own must replace it.</summary>
    public bool ClearsTraceHeaders { get; }

    public static RequestTemplate For(Webhook webhook) => Templates.GetValue(webhook, static w => new RequestTemplate(w));

    /// <summary>
    /// Null when <paramref name="authorization"/> may be sent; checked once per value: the same
    /// string (a static credential or a cached token's header) passes without a second scan.
    /// </summary>
    public string? AuthorizationProblem(string authorization)
    {
        if (ReferenceEquals(authorization, Volatile.Read(ref _checkedAuthorization)))
        {
            return null;
        }

        var problem = Refusal("Authorization", authorization, "the credentials");
        if (problem is null)
        {
            Volatile.Write(ref _checkedAuthorization, authorization);
        }

        return problem;
    }

    /// <summary>The keys that sign at <paramref name="now"/>, made once until the earliest active secret expires.</summary>
    public SigningMaterial SigningAt(DateTimeOffset now)
    {
        var cached = Volatile.Read(ref _signing);
        if (cached is not null && now < cached.ValidUntil)
        {
            return cached;
        }

        var keys = new List<HmacKey>(_webhook.Secrets.Count);
        HmacKey? ignite = null;
        var validUntil = DateTimeOffset.MaxValue;
        foreach (var secret in _webhook.Secrets)
        {
            if (secret.ExpiresAt is { } expires && expires <= now)
            {
                continue;
            }

            keys.Add(new HmacKey(WebhookSecret.DecodeStandardKey(secret.Secret)));
            ignite ??= IgniteSignature.KeyOf(secret.Secret);
            if (secret.ExpiresAt is { } until && until < validUntil)
            {
                validUntil = until;
            }
        }

        var material = new SigningMaterial([.. keys], ignite, validUntil);
        Volatile.Write(ref _signing, material);
        return material;
    }

    /// <summary>
    /// A header built from stored or fetched text is sent only when it is header-safe: the API
    /// refuses unsafe values at the door, and this refuses rows stored before it did (and tokens
    /// from a token endpoint), so a CR/LF can never add a header or smuggle a request onto the
    /// wire. The reason names the header, never its value (it may be a secret).
    /// </summary>
    public static string? Refusal(string name, string value, string what)
    {
        if (!HeaderValue.IsToken(name))
        {
            return $"refused to send: the header name of {what} is not a valid HTTP token";
        }

        return HeaderValue.Problem(value) is { } problem ? $"refused to send: header {name} ({what}) {problem}" : null;
    }

    /// <summary>Standard Webhooks keys of every active secret, and the Ignite key of the first (the current one).</summary>
    internal sealed record SigningMaterial(HmacKey[] Keys, HmacKey? Ignite, DateTimeOffset ValidUntil);
}
