namespace Herald.Core.Webhooks;

/// <summary>
/// Outbound authentication (Scaleflex's options). Passwords, tokens and client secrets are
/// encrypted at rest and never returned by the API or logged.
/// </summary>
public sealed record WebhookAuth
{
    public const string Basic = "basic";
    public const string Bearer = "bearer";
    public const string OAuth2 = "oauth2";
    public const string ClientCredentials = "client_credentials";
    public const string PasswordGrant = "password";

    public required string Type { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? Token { get; init; }

    public string? TokenUrl { get; init; }

    public string? GrantType { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    public string? Scope { get; init; }

    /// <summary>The same settings with every secret removed: what the API shows.</summary>
    public WebhookAuth Redacted() => this with { Password = null, Token = null, ClientSecret = null };
}

/// <summary>What the delivered body holds (Scaleflex's field selection, Ignite's data-as-body).</summary>
public sealed record PayloadOptions(string Body, IReadOnlyList<string>? Fields)
{
    public const string Envelope = "envelope";
    public const string Data = "data";

    public static PayloadOptions Default { get; } = new(Envelope, null);

    public bool IsDefault => Body == Envelope && (Fields is null || Fields.Count == 0);
}
