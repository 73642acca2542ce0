using System.Text.Json.Nodes;

namespace Herald.Server;

// Request and response shapes for the OpenAPI document. Handlers read bodies by hand (to report
// exact error paths) and some answer anonymous objects; these records describe the same JSON
// (snake_case), so every route in /openapi/v1.json has a request and response schema.

// Request shapes use init properties: only members marked required are required in the schema.

/// <summary>A webhook definition as <c>POST</c>/<c>PUT</c>/<c>PATCH /api/v1/webhooks</c> take it (PATCH: any subset).</summary>
internal sealed class WebhookRequest
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The target; or <c>hostname</c> (optionally with scheme) plus <c>path</c>, which Herald joins.</summary>
    public string? Url { get; init; }

    public string? Hostname { get; init; }

    public string? Path { get; init; }

    public required string EventType { get; init; }

    /// <summary>create, update, delete, purge, restore, download or all; null = all.</summary>
    public string? Operation { get; init; }

    public string? Realm { get; init; }

    public string? ObjectId { get; init; }

    /// <summary>The tenant; admin key only (a domain key's webhooks get its domain).</summary>
    public string? DomainId { get; init; }

    /// <summary>A query-language filter over the event (docs/query-language.md).</summary>
    public string? Query { get; init; }

    /// <summary>ENABLED, DISABLED or PAUSED.</summary>
    public string? Status { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public WebhookAuthRequest? Auth { get; init; }

    public PayloadResponse? Payload { get; init; }

    /// <summary>none or object.</summary>
    public string? Ordering { get; init; }

    public IReadOnlyList<int>? RetrySchedule { get; init; }

    public int? TimeoutSeconds { get; init; }

    public int? MaxConcurrency { get; init; }

    public double? RateLimit { get; init; }
}

/// <summary>Outbound auth: <c>none</c>, <c>basic</c>, <c>bearer</c> or <c>oauth2</c>; secrets are write-only.</summary>
internal sealed class WebhookAuthRequest
{
    public required string Type { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? Token { get; init; }

    public string? TokenUrl { get; init; }

    /// <summary>client_credentials or password.</summary>
    public string? GrantType { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    public string? Scope { get; init; }
}

/// <summary>One published event (iconik's envelope); <c>POST /api/v1/events</c> also takes an array of them.</summary>
internal sealed class EventEnvelope
{
    public string? SystemDomainId { get; init; }

    public required string EventType { get; init; }

    public string? Realm { get; init; }

    /// <summary>create, update, delete, purge, restore or download.</summary>
    public required string Operation { get; init; }

    public string? ObjectId { get; init; }

    public string? UserId { get; init; }

    public string? RequestId { get; init; }

    public required JsonObject Data { get; init; }
}

internal sealed class KeyRequest
{
    public required string DomainId { get; init; }

    public string? Name { get; init; }
}

internal sealed class RotateRequest
{
    /// <summary>How long the previous secret keeps signing; default 86400 (24 h), at most 30 days.</summary>
    public int? GraceSeconds { get; init; }
}

internal sealed class ReplayRequestBody
{
    public required DateTime Since { get; init; }

    /// <summary>Default now.</summary>
    public DateTime? Until { get; init; }

    public bool? OnlyFailed { get; init; }
}

internal sealed class QueryRequest
{
    public required string Query { get; init; }
}

internal sealed class QueryTestRequest
{
    public required string Query { get; init; }

    public required JsonObject Event { get; init; }
}

/// <summary>A webhook as iconik's WebhookSchema takes it.</summary>
internal sealed class IconikWebhookRequest
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public required string Url { get; init; }

    public required string EventType { get; init; }

    public string? Realm { get; init; }

    public string? Operation { get; init; }

    public string? ObjectId { get; init; }

    public string? Status { get; init; }

    public string? Query { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

internal sealed record QueryErrorDetail(string Message, int Position);

/// <summary><c>error</c> is left out when the query is valid.</summary>
internal sealed record QueryValidation(bool Valid, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] QueryErrorDetail? Error);

internal sealed record QueryTestResult(bool Matches);

internal sealed record HealthStatus(string Status);

/// <summary>/readyz when the store cannot serve: why.</summary>
internal sealed record HealthUnready(string Status, string? Reason);

internal sealed record CancelledCount(int Cancelled);

internal sealed record RetriedCount(int Retried);

/// <summary>The type a route's JSON request body has, for the OpenAPI document only.</summary>
internal sealed record JsonRequestBody(Type Type, bool Optional);

/// <summary>
/// Route metadata in one place: the JSON body a route takes and the error shape it answers with,
/// so the mapping lines stay one call each.
/// </summary>
internal static class OpenApiMetadata
{
    /// <summary>
    /// Documents the JSON body a route reads by hand. Deliberately not <c>Accepts&lt;T&gt;</c>:
    /// that metadata also makes routing refuse other Content-Types with 415, and Herald takes a
    /// JSON body whatever the client labels it (<c>curl -d</c> sends a form type).
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder, bool optional = false)
        where T : notnull => builder.WithMetadata(new JsonRequestBody(typeof(T), optional));

    /// <summary>Herald's <c>{"error": {"message", "path"}}</c> for each status.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ApiResults.ErrorBody>(status);
        }

        return builder;
    }

    /// <summary>iconik's <c>{"errors": [...]}</c> for each status.</summary>
    public static RouteHandlerBuilder ProducesIconikErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<IconikErrors>(status);
        }

        return builder;
    }
}
