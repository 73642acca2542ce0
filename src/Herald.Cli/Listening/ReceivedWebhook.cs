using Herald.Receiver;

namespace Herald.Cli.Listening;

/// <summary>One request that reached <c>herald listen</c>, and what it was answered.</summary>
internal sealed record ReceivedWebhook(
    DateTimeOffset ReceivedAt,
    string Method,
    string Path,
    string? EventName,
    string? DeliveryId,
    string? Attempt,
    WebhookVerificationResult? Verification,
    ReadOnlyMemory<byte> Body,
    int AnsweredStatus);
