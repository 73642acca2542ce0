using System.Text.Json.Serialization;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Security;
using Herald.Storage;

namespace Herald.Server;

internal sealed record ListResponse<T>(IReadOnlyList<T> Objects, string? Next);

internal sealed record WebhookResponse(
    string Id,
    string? Name,
    string? Description,
    string Url,
    string EventType,
    string? Operation,
    string? Realm,
    string? ObjectId,
    string? DomainId,
    string? Query,
    string Status,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<int>? RetrySchedule,
    int TimeoutSeconds,
    string Ordering,
    int? MaxConcurrency,
    double? RateLimit,
    AuthResponse Auth,
    PayloadResponse Payload,
    DateTime DateCreated,
    DateTime DateModified,
    DateTime? FirstFailedAt,
    string? LastError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret)
{
    /// <summary>The secret appears only when <paramref name="withSecret"/> (create and rotate).</summary>
    public static WebhookResponse From(Webhook w, bool withSecret = false) => new(
        w.Id, w.Name, w.Description, w.Url, w.EventType, w.Operation, w.Realm, w.ObjectId, w.DomainId, w.Query,
        w.Status.ToWire(), w.Headers, w.RetrySchedule, w.TimeoutSeconds, w.Ordering, w.MaxConcurrency, w.RateLimit,
        AuthResponse.From(w.Auth), new PayloadResponse(w.Payload?.Body ?? PayloadOptions.Envelope, w.Payload?.Fields ?? []),
        w.DateCreated.UtcDateTime, w.DateModified.UtcDateTime, w.FirstFailedAt?.UtcDateTime, w.LastError,
        withSecret ? w.Secrets.FirstOrDefault()?.Secret : null);
}

/// <summary>Auth settings without a single secret: passwords, tokens and client secrets are never returned.</summary>
internal sealed record AuthResponse(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenUrl,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? GrantType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope)
{
    public static AuthResponse From(WebhookAuth? auth) => auth is null
        ? new AuthResponse("none", null, null, null, null, null)
        : new AuthResponse(auth.Type, auth.Username, UrlRedaction.WithoutUserInfo(auth.TokenUrl), auth.GrantType, auth.ClientId, auth.Scope);
}

internal sealed record PayloadResponse(string Body, IReadOnlyList<string> Fields);

internal sealed record AttemptResponse(int Number, DateTime StartedAt, int? StatusCode, double DurationMs, string? Error, string? ResponseBody);

internal sealed record DeliveryResponse(
    string Id,
    string WebhookId,
    string EventId,
    string? ObjectId,
    string Status,
    int AttemptCount,
    DateTime? NextAttemptAt,
    DateTime DateCreated,
    DateTime DateModified,
    int? LastStatusCode,
    string? LastError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AttemptResponse>? Attempts)
{
    public static DeliveryResponse From(DeliveryView d) => new(
        d.Id, d.WebhookId, d.EventId, d.ObjectId, d.Status.ToWire(), d.AttemptCount,
        d.Status == DeliveryStatus.Pending ? d.NextAttemptAt?.UtcDateTime : null,
        d.CreatedAt.UtcDateTime, d.UpdatedAt.UtcDateTime, d.LastStatusCode, d.LastError,
        d.Attempts?.Select(a => new AttemptResponse(a.Number, a.StartedAt.UtcDateTime, a.StatusCode, Math.Round(a.DurationMs, 3), a.Error, a.ResponseBody)).ToList());
}

internal sealed record EventsAccepted(IReadOnlyList<string> Ids);

internal sealed record KeyCreated(string Id, string Key, string? DomainId, string? Name);
