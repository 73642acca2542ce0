using System.Text.Json;

namespace Herald.Core.Events;

/// <summary>
/// One event as published: the envelope fields Herald routes on, plus the exact bytes it arrived as
/// (those bytes are what subscribers receive and what gets signed).
/// </summary>
public sealed record PublishedEvent(
    string EventType,
    string Operation,
    string? Realm,
    string? ObjectId,
    string? DomainId,
    string? RequestId,
    ReadOnlyMemory<byte> Body)
{
    /// <summary>The <c>X-Webhook-Event</c> name: <c>{event_type}.{realm}.{operation}</c>.</summary>
    public string EventName => EventNames.Format(EventType, Realm, Operation);
}

/// <summary>Formats the dotted event name used in headers and logs.</summary>
public static class EventNames
{
    public static string Format(string eventType, string? realm, string operation) =>
        realm is null ? $"{eventType}.{operation}" : $"{eventType}.{realm}.{operation}";
}

/// <summary>A validation failure: what is wrong and where (a JSON path such as <c>[2].operation</c>).</summary>
public sealed record ValidationError(string Message, string Path);

/// <summary>Reads and validates iconik-style envelopes.</summary>
public static class EventEnvelopeReader
{
    private static readonly string[] OptionalStrings = ["system_domain_id", "realm", "object_id", "user_id", "request_id"];

    /// <summary>
    /// Validates one envelope. <paramref name="pathPrefix"/> prefixes error paths (e.g. <c>[3].</c> inside an array).
    /// </summary>
    public static bool TryRead(JsonElement element, ReadOnlyMemory<byte> body, string pathPrefix, out PublishedEvent? published, out ValidationError? error)
    {
        published = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = new ValidationError("an event must be a JSON object", pathPrefix.TrimEnd('.') is { Length: > 0 } p ? p : "$");
            return false;
        }

        if (!TryRequiredString(element, "event_type", pathPrefix, out var eventType, out error)
            || !TryRequiredString(element, "operation", pathPrefix, out var operation, out error))
        {
            return false;
        }

        if (!Operations.IsKnown(operation))
        {
            error = new ValidationError(
                $"unknown operation '{operation}'; expected one of {string.Join(", ", Operations.Values)}",
                pathPrefix + "operation");
            return false;
        }

        if (!element.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            error = new ValidationError(
                data.ValueKind == JsonValueKind.Undefined ? "data is required" : "data must be an object",
                pathPrefix + "data");
            return false;
        }

        foreach (var name in OptionalStrings)
        {
            if (element.TryGetProperty(name, out var value)
                && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                error = new ValidationError($"{name} must be a string or null", pathPrefix + name);
                return false;
            }
        }

        // event_type, realm and operation make the X-Webhook-Event header (operation is one of
        // the known names, so already safe): refuse what is not header-safe here, not at delivery.
        var realm = OptionalString(element, "realm");
        if (HeaderValue.Problem(eventType) is { } typeProblem)
        {
            error = new ValidationError($"event_type {typeProblem}", pathPrefix + "event_type");
            return false;
        }

        if (realm is not null && HeaderValue.Problem(realm) is { } realmProblem)
        {
            error = new ValidationError($"realm {realmProblem}", pathPrefix + "realm");
            return false;
        }

        published = new PublishedEvent(
            eventType,
            operation,
            realm,
            OptionalString(element, "object_id"),
            OptionalString(element, "system_domain_id"),
            OptionalString(element, "request_id"),
            body);
        error = null;
        return true;
    }

    private static bool TryRequiredString(JsonElement element, string name, string pathPrefix, out string value, out ValidationError? error)
    {
        value = string.Empty;
        if (!element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            error = new ValidationError($"{name} is required", pathPrefix + name);
            return false;
        }

        if (property.ValueKind != JsonValueKind.String || property.GetString() is not { Length: > 0 } text)
        {
            error = new ValidationError($"{name} must be a non-empty string", pathPrefix + name);
            return false;
        }

        value = text;
        error = null;
        return true;
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
