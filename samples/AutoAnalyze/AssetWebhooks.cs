using System.Text.Json;
using Herald.Receiver;

namespace AutoAnalyze;

/// <summary>
/// The two handlers of the original listener (<c>/create</c> and <c>/proxy</c>). Herald.Receiver has already
/// verified the signature and skipped delivery ids it has processed; what is left here is the asset logic.
/// </summary>
internal sealed partial class AssetWebhooks(AssetStore store, AnalysisClient analysis, ILogger<AssetWebhooks> logger)
{
    /// <summary><c>assets.entity.create</c>: remember the asset; analyze it now if its proxy was already CLOSED.</summary>
    public async Task OnAssetCreatedAsync(WebhookContext delivery, CancellationToken cancellationToken)
    {
        if (!Is(delivery.Payload, "entity", "create") || ObjectId(delivery.Payload) is not { } assetId)
        {
            LogIgnored(logger, delivery.DeliveryId, delivery.EventName);
            return;
        }

        LogCreated(logger, assetId);
        await RecordAsync(assetId, AssetFact.Created, cancellationToken);
    }

    /// <summary><c>assets.proxies.update</c>: when the proxy is CLOSED, analyze the asset if it is known and not done.</summary>
    public async Task OnProxyUpdatedAsync(WebhookContext delivery, CancellationToken cancellationToken)
    {
        // The webhook's query (data.status="CLOSED") should keep the others away; this check keeps the
        // listener right without it.
        if (!Is(delivery.Payload, "proxies", "update") || ObjectId(delivery.Payload) is not { } assetId || !IsClosed(delivery.Payload))
        {
            LogIgnored(logger, delivery.DeliveryId, delivery.EventName);
            return;
        }

        LogProxyClosed(logger, assetId);
        await RecordAsync(assetId, AssetFact.ProxyClosed, cancellationToken);
    }

    private async Task RecordAsync(string assetId, AssetFact fact, CancellationToken cancellationToken)
    {
        if (!await store.RecordAsync(assetId, fact, cancellationToken))
        {
            return;
        }

        try
        {
            LogSubmitting(logger, assetId);
            await analysis.SubmitAsync(assetId, cancellationToken);
        }
        catch (Exception exception)
        {
            // Give the claim back and fail the delivery: Herald retries it, and the retry claims again.
            LogSubmitFailed(logger, exception, assetId);
            await store.ReleaseAsync(assetId, CancellationToken.None);
            throw;
        }

        await store.FinishAsync(assetId, CancellationToken.None);
    }

    private static bool Is(JsonElement payload, string realm, string operation) =>
        Text(payload, "event_type") == "assets" && Text(payload, "realm") == realm && Text(payload, "operation") == operation;

    private static bool IsClosed(JsonElement payload) =>
        payload.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && Text(data, "status") == "CLOSED";

    private static string? ObjectId(JsonElement payload) => Text(payload, "object_id") is { Length: > 0 } id ? id : null;

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Asset {AssetId} created: queued for analysis")]
    private static partial void LogCreated(ILogger logger, string assetId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Asset {AssetId}: proxy CLOSED")]
    private static partial void LogProxyClosed(ILogger logger, string assetId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Asset {AssetId}: submitting the analysis job")]
    private static partial void LogSubmitting(ILogger logger, string assetId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Asset {AssetId}: the analysis request failed; the delivery fails so that Herald retries it")]
    private static partial void LogSubmitFailed(ILogger logger, Exception exception, string assetId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} ({EventName}) is not for this listener; ignored")]
    private static partial void LogIgnored(ILogger logger, string deliveryId, string? eventName);
}
