using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// Herald's own events (<c>event_type: "herald"</c>): webhook.failing, webhook.disabled,
/// webhook.recovered and delivery.exhausted, published through Herald itself so operators
/// subscribe to them like to any other event.
/// </summary>
public interface IOperationalEvents
{
    ValueTask AttemptRecordedAsync(Webhook webhook, ClaimedDelivery delivery, AttemptRecord record, IReadOnlyList<WebhookStatusChange> changes);
}
