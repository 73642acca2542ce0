namespace Herald.Core.Webhooks;

/// <summary>A webhook whose status an attempt (of delivery <see cref="DeliveryId"/>) changed.</summary>
public sealed record WebhookStatusChange(string WebhookId, WebhookStatus From, WebhookStatus To, string DeliveryId);
