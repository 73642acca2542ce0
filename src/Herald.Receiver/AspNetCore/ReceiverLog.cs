using Microsoft.Extensions.Logging;

namespace Herald.Receiver;

// Bodies, signatures and secrets are never logged; delivery ids are not secret.
internal static partial class ReceiverLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Webhook rejected on {Path}: {Failure} ({Reason})")]
    public static partial void VerificationFailed(ILogger logger, string path, WebhookVerificationFailure failure, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Webhook rejected on {Path}: {Reason}")]
    public static partial void BadRequest(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Delivery {DeliveryId} was already processed; skipped")]
    public static partial void Duplicate(ILogger logger, string deliveryId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Delivery {DeliveryId} is being processed by another request; answered 409")]
    public static partial void InProgress(ILogger logger, string deliveryId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Delivery {DeliveryId} is older than the last event applied to its object; skipped")]
    public static partial void Stale(ILogger logger, string deliveryId);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Handler failed for delivery {DeliveryId} (attempt {Attempt}); it was not marked as seen")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string deliveryId, int attempt);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Could not record delivery {DeliveryId} as processed; a redelivery after the claim timeout would be handled again")]
    public static partial void MarkProcessedFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Could not release the claim on delivery {DeliveryId}; retries are answered 409 until the claim timeout")]
    public static partial void ForgetFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} processed (attempt {Attempt})")]
    public static partial void Processed(ILogger logger, string deliveryId, int attempt);
}
