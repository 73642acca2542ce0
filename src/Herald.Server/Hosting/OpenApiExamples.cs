using System.Text.Json.Nodes;

namespace Herald.Server.Hosting;

/// <summary>
/// One example per request and response shape, set on its schema in /openapi/v1.json (and so
/// shown by the reference page). Written by hand, like docs/api.md: they show real values.
/// </summary>
internal static class OpenApiExamples
{
    private const string WebhookId = "01a2343c-0ae8-724b-9cfe-3c1f2ce2c2fe";
    private const string DeliveryId = "01a2343c-0bca-7a51-a058-f34a202e3e80";
    private const string EventId = "01a2343c-0b5e-7f1a-8a3f-2b7c1d9e4f60";

    private const string Webhook = $$"""
        {"id":"{{WebhookId}}","name":"proxies","description":null,"url":"https://example.com/hook","event_type":"assets",
         "operation":"update","realm":"proxies","object_id":null,"domain_id":null,"query":"data.status=\"CLOSED\"","status":"ENABLED",
         "headers":{},"retry_schedule":null,"timeout_seconds":30,"ordering":"none","max_concurrency":null,"rate_limit":null,
         "auth":{"type":"none"},"payload":{"body":"envelope","fields":[]},"date_created":"2025-06-01T12:00:00Z",
         "date_modified":"2025-06-01T12:00:00Z","first_failed_at":null,"last_error":null}
        """;

    private const string Delivery = $$"""
        {"id":"{{DeliveryId}}","webhook_id":"{{WebhookId}}","event_id":"{{EventId}}","object_id":"42","status":"succeeded",
         "attempt_count":1,"next_attempt_at":null,"date_created":"2025-06-01T12:00:00Z","date_modified":"2025-06-01T12:00:01Z",
         "last_status_code":200,"last_error":null,
         "attempts":[{"number":1,"started_at":"2025-06-01T12:00:00Z","status_code":200,"duration_ms":48.2,"error":null,"response_body":"ok"}]}
        """;

    private const string IconikWebhook = $$"""
        {"id":"{{WebhookId}}","name":"proxies","description":null,"url":"https://example.com/hook","event_type":"assets",
         "realm":"proxies","operation":"update","object_id":null,"status":"ENABLED","query":null,"headers":{},
         "system_domain_id":null,"date_created":"2025-06-01T12:00:00Z","date_modified":"2025-06-01T12:00:00Z"}
        """;

    private const string Replay = $$"""
        {"id":"01a2343d-0000-7000-8000-000000000001","webhook_id":"{{WebhookId}}","since":"2025-06-01T00:00:00Z",
         "until":"2025-06-02T00:00:00Z","only_failed":false,"status":"running","events_scanned":1500,"deliveries_created":12,
         "date_created":"2025-06-02T08:00:00Z","date_modified":"2025-06-02T08:00:05Z"}
        """;

    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(WebhookRequest)] = """{"name":"proxies","url":"https://example.com/hook","event_type":"assets","realm":"proxies","operation":"update","query":"data.status=\"CLOSED\"","auth":{"type":"bearer","token":"s3cr3t"}}""",
        [typeof(WebhookResponse)] = Webhook,
        [typeof(ListResponse<WebhookResponse>)] = $$"""{"objects":[{{Webhook}}],"next":null}""",
        [typeof(RotateRequest)] = """{"grace_seconds":86400}""",
        [typeof(EventEnvelope)] = """{"system_domain_id":null,"event_type":"assets","realm":"proxies","operation":"update","object_id":"42","user_id":null,"request_id":"4fac9306","data":{"status":"CLOSED"}}""",
        [typeof(EventsAccepted)] = $$"""{"ids":["{{EventId}}"]}""",
        [typeof(DeliveryResponse)] = Delivery,
        [typeof(ListResponse<DeliveryResponse>)] = $$"""{"objects":[{{Delivery}}],"next":"{{DeliveryId}}"}""",
        [typeof(KeyRequest)] = """{"name":"tenant a","domain_id":"1297c8b6-0d5b-4cd7-9f6a-3e2b1c0a9d8e"}""",
        [typeof(KeyCreated)] = """{"id":"01a2343e-0000-7000-8000-000000000002","key":"hk_3q2-7Xz...","domain_id":"1297c8b6-0d5b-4cd7-9f6a-3e2b1c0a9d8e","name":"tenant a"}""",
        [typeof(ReplayRequestBody)] = """{"since":"2025-06-01T00:00:00Z","until":"2025-06-02T00:00:00Z","only_failed":false}""",
        [typeof(ReplayResponse)] = Replay,
        [typeof(QueryRequest)] = """{"query":"data.status=\"CLOSED\""}""",
        [typeof(QueryTestRequest)] = """{"query":"data.status=\"CLOSED\"","event":{"event_type":"assets","operation":"update","data":{"status":"CLOSED"}}}""",
        [typeof(QueryValidation)] = """{"valid":false,"error":{"message":"expected a value after '='","position":13}}""",
        [typeof(QueryTestResult)] = """{"matches":true}""",
        [typeof(HealthStatus)] = """{"status":"ok"}""",
        [typeof(HealthUnready)] = """{"status":"database unreachable","reason":"the database file is gone"}""",
        [typeof(CancelledCount)] = """{"cancelled":3}""",
        [typeof(RetriedCount)] = """{"retried":3}""",
        [typeof(ApiResults.ErrorBody)] = """{"error":{"message":"operation must be one of create, update, delete, purge, restore, download","path":"[0].operation"}}""",
        [typeof(IconikWebhookRequest)] = """{"name":"proxies","url":"https://example.com/hook","event_type":"assets","realm":"proxies","operation":"update"}""",
        [typeof(IconikWebhook)] = IconikWebhook,
        [typeof(IconikPage)] = $$"""{"objects":[{{IconikWebhook}}],"page":1,"pages":1,"per_page":10,"total":1}""",
        [typeof(IconikErrors)] = """{"errors":["url is required"]}""",
    };

    /// <summary>The example of <paramref name="type"/>, parsed anew (a document owns its nodes), or null.</summary>
    public static JsonNode? For(Type type) => Examples.TryGetValue(type, out var json) ? JsonNode.Parse(json) : null;
}
