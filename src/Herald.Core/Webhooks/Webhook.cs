namespace Herald.Core.Webhooks;

/// <summary>A webhook definition as stored. Secrets live in <see cref="Secrets"/>, never in API output.</summary>
public sealed record Webhook
{
    public required string Id { get; init; }

    public string? DomainId { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public required string Url { get; init; }

    public required string EventType { get; init; }

    /// <summary>Null means every operation (<c>all</c> is stored as null).</summary>
    public string? Operation { get; init; }

    public string? Realm { get; init; }

    public string? ObjectId { get; init; }

    /// <summary>Query-language filter; null or empty matches everything.</summary>
    public string? Query { get; init; }

    public WebhookStatus Status { get; init; } = WebhookStatus.Enabled;

    /// <summary>Extra request headers set on every delivery.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Delays in seconds between attempts; null means <see cref="RetryPolicy.DefaultSchedule"/>.</summary>
    public IReadOnlyList<int>? RetrySchedule { get; init; }

    public int TimeoutSeconds { get; init; } = WebhookLimits.DefaultTimeoutSeconds;

    /// <summary>Attempts in flight at once for this webhook; null means the dispatcher's default (16).</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Most requests per second to this webhook; null means no limit.</summary>
    public double? RateLimit { get; init; }

    /// <summary>Outbound authentication; null means none.</summary>
    public WebhookAuth? Auth { get; init; }

    /// <summary><see cref="WebhookOrdering.None"/> or <see cref="WebhookOrdering.Object"/> (one in flight per object id, in publish order).</summary>
    public string Ordering { get; init; } = WebhookOrdering.None;

    /// <summary>Body shaping; null means the whole envelope as published.</summary>
    public PayloadOptions? Payload { get; init; }

    /// <summary>Signing secrets, newest first; older ones sign too until they expire (rotation grace).</summary>
    public IReadOnlyList<WebhookSecretEntry> Secrets { get; init; } = [];

    public DateTimeOffset DateCreated { get; init; }

    public DateTimeOffset DateModified { get; init; }

    public DateTimeOffset? FirstFailedAt { get; init; }

    public string? LastError { get; init; }

    /// <summary>
    /// Bumped by the store on every write of the webhook (an edit, or a status change an attempt
    /// caused); an edit names the version it read and conflicts when the stored one moved on.
    /// </summary>
    public long Version { get; init; }

    /// <summary>The secrets that sign at <paramref name="now"/>, newest first.</summary>
    public IEnumerable<string> ActiveSecrets(DateTimeOffset now) =>
        Secrets.Where(s => s.ExpiresAt is null || s.ExpiresAt > now).Select(s => s.Secret);
}

/// <summary>A signing secret and, for a rotated-out one, when it stops signing.</summary>
public sealed record WebhookSecretEntry(string Secret, DateTimeOffset? ExpiresAt);

public static class WebhookOrdering
{
    public const string None = "none";
    public const string Object = "object";
}

public static class WebhookLimits
{
    public const int DefaultTimeoutSeconds = 30;
    public const int MaxTimeoutSeconds = 60;
    public const int MaxHeaders = 10;
    public const int MaxRetryAttempts = 20;
    public const int MaxRetryDelaySeconds = 7 * 24 * 3600;
    public const int MaxConcurrency = 256;
    public const double MaxRateLimit = 100_000;
}
