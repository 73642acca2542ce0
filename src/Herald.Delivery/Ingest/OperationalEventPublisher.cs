using System.Text.Json;
using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Delivery.Dispatching;
using Herald.Storage;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Ingest;

/// <summary>
/// Publishes Herald's operational events through the normal ingest path:
/// <c>event_type "herald"</c>, realm <c>webhook</c> or <c>delivery</c>, operation <c>update</c>,
/// and <c>data.kind</c> one of webhook.failing, webhook.disabled, webhook.recovered,
/// delivery.exhausted. <c>system_domain_id</c> is the webhook's domain, so tenants can
/// subscribe to their own. It lives beside the engine that raises them, so they never leave Delivery.
/// </summary>
internal sealed partial class OperationalEventPublisher(EventIngestor ingestor, TimeProvider time, ILogger<OperationalEventPublisher> logger) : IOperationalEvents
{
    public const string EventType = "herald";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async ValueTask AttemptRecordedAsync(Webhook webhook, ClaimedDelivery delivery, AttemptRecord record, IReadOnlyList<WebhookStatusChange> changes)
    {
        var events = new List<IncomingEvent>();
        foreach (var change in changes)
        {
            var kind = change.To switch
            {
                WebhookStatus.Failing => "webhook.failing",
                WebhookStatus.Disabled => "webhook.disabled",
                WebhookStatus.Enabled when change.From == WebhookStatus.Failing => "webhook.recovered",
                _ => null,
            };
            if (kind is not null)
            {
                events.Add(Create("webhook", webhook.Id, webhook.DomainId, new WebhookData(
                    kind, webhook.Id, webhook.Name, webhook.Url, change.To.ToWire(), change.From.ToWire(), record.Error, delivery.Id, time.GetUtcNow().UtcDateTime)));
            }
        }

        // Exhausted deliveries of Herald's own events raise nothing, or a dead operator endpoint
        // would feed itself forever.
        if (!record.Succeeded && record.NextAttemptAt is null && !delivery.EventName.StartsWith(EventType + ".", StringComparison.Ordinal))
        {
            events.Add(Create("delivery", delivery.Id, webhook.DomainId, new DeliveryData(
                "delivery.exhausted", delivery.Id, webhook.Id, delivery.EventId, delivery.ObjectId, record.Number, record.StatusCode, record.Error, time.GetUtcNow().UtcDateTime)));
        }

        if (events.Count == 0)
        {
            return;
        }

        try
        {
            await ingestor.IngestAsync(events, null, null, fromApi: false, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.PublishFailed(logger, webhook.Id, ex);
        }
    }

    private static IncomingEvent Create<T>(string realm, string objectId, string? domainId, T data)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new Envelope<T>(EventType, realm, "update", objectId, domainId, data), Json);
        using var document = JsonDocument.Parse(body);
        var published = new PublishedEvent(EventType, "update", realm, objectId, domainId, null, body);
        return new IncomingEvent(published, document.RootElement.Clone());
    }

    private sealed record Envelope<T>(string EventType, string Realm, string Operation, string ObjectId, string? SystemDomainId, T Data);

    private sealed record WebhookData(string Kind, string WebhookId, string? Name, string Url, string Status, string PreviousStatus, string? LastError, string DeliveryId, DateTime Date);

    private sealed record DeliveryData(string Kind, string DeliveryId, string WebhookId, string EventId, string? ObjectId, int Attempts, int? LastStatusCode, string? LastError, DateTime Date);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Publishing an operational event about webhook {WebhookId} failed")]
        public static partial void PublishFailed(ILogger logger, string webhookId, Exception exception);
    }
}
