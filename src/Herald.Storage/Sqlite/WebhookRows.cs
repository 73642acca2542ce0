using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Herald.Core.Webhooks;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Maps webhooks to rows: the user-set definition is one JSON column (new fields need no migration);
/// what the dispatcher changes (status, failure times) has columns of its own.
/// </summary>
internal static class WebhookRows
{
    public const string Columns = "id, domain_id, definition, secrets, status, first_failed_at, last_error, created_at, modified_at, version";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static object?[] Values(Webhook webhook, ISecretProtector protector) =>
    [
        webhook.Id,
        webhook.DomainId,
        JsonSerializer.Serialize(Definition.From(webhook), Json),
        protector.Protect(JsonSerializer.Serialize(new Credentials(webhook.Secrets.ToList(), webhook.Auth), Json)),
        webhook.Status.ToWire(),
        UnixTime.ToMs(webhook.FirstFailedAt),
        webhook.LastError,
        UnixTime.ToMs(webhook.DateCreated),
        UnixTime.ToMs(webhook.DateModified),
        webhook.Version,
    ];

    public static Webhook Read(DbDataReader reader, ISecretProtector protector)
    {
        var definition = JsonSerializer.Deserialize<Definition>(reader.GetString(2), Json)
            ?? throw new InvalidOperationException("webhook definition is empty");
        var credentials = JsonSerializer.Deserialize<Credentials>(protector.Unprotect(reader.GetString(3)), Json)
            ?? throw new InvalidOperationException("webhook credentials are empty");
        WebhookStatusNames.TryParse(reader.GetString(4), out var status);
        return definition.ToWebhook() with
        {
            Id = reader.GetString(0),
            DomainId = reader.IsDBNull(1) ? null : reader.GetString(1),
            Secrets = credentials.Secrets,
            Auth = credentials.Auth,
            Status = status,
            FirstFailedAt = UnixTime.FromMs(reader.GetValue(5)),
            LastError = reader.IsDBNull(6) ? null : reader.GetString(6),
            DateCreated = UnixTime.FromMs(reader.GetInt64(7)),
            DateModified = UnixTime.FromMs(reader.GetInt64(8)),
            Version = reader.GetInt64(9),
        };
    }

    /// <summary>Everything secret, stored as one encrypted JSON value.</summary>
    private sealed record Credentials(List<WebhookSecretEntry> Secrets, WebhookAuth? Auth);

    private sealed record Definition(
        string? Name,
        string? Description,
        string Url,
        string EventType,
        string? Operation,
        string? Realm,
        string? ObjectId,
        string? Query,
        Dictionary<string, string>? Headers,
        int[]? RetrySchedule,
        int TimeoutSeconds,
        PayloadOptions? Payload,
        string? Ordering,
        int? MaxConcurrency,
        double? RateLimit)
    {
        public static Definition From(Webhook w) => new(
            w.Name, w.Description, w.Url, w.EventType, w.Operation, w.Realm, w.ObjectId, w.Query,
            w.Headers.Count == 0 ? null : new Dictionary<string, string>(w.Headers),
            w.RetrySchedule?.ToArray(), w.TimeoutSeconds, w.Payload, w.Ordering == WebhookOrdering.None ? null : w.Ordering,
            w.MaxConcurrency, w.RateLimit);

        public Webhook ToWebhook() => new()
        {
            Id = string.Empty,
            Name = Name,
            Description = Description,
            Url = Url,
            EventType = EventType,
            Operation = Operation,
            Realm = Realm,
            ObjectId = ObjectId,
            Query = Query,
            Headers = Headers ?? [],
            RetrySchedule = RetrySchedule,
            TimeoutSeconds = TimeoutSeconds,
            Payload = Payload,
            Ordering = Ordering ?? WebhookOrdering.None,
            MaxConcurrency = MaxConcurrency,
            RateLimit = RateLimit,
        };
    }
}
