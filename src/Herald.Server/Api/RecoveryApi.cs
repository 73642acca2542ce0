using Herald.Core.Deliveries;
using Herald.Delivery.Dispatching;
using Herald.Server.Auth;
using Herald.Storage;

namespace Herald.Server;

/// <summary>Cancel one pending delivery; cancel a webhook's pending deliveries; retry its failed ones.</summary>
internal static class RecoveryApi
{
    public static void MapRecoveryApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/deliveries/{id}/cancel", CancelAsync).WithTags("Deliveries").Produces<DeliveryResponse>().ProducesErrors(401, 404, 409);
        var webhook = app.MapGroup("/api/v1/webhooks/{id}/deliveries").WithTags("Deliveries");
        webhook.MapPost("/cancel", CancelPendingAsync).Produces<CancelledCount>().ProducesErrors(401, 404);
        webhook.MapPost("/retry", RetryFailedAsync).Produces<RetriedCount>(202).ProducesErrors(401, 404);
    }

    private static async Task<IResult> CancelAsync(
        string id, HttpContext context, IDeliveryRecoveryStore recovery, IDeliveryStore deliveries, TimeProvider time, CancellationToken ct)
    {
        var scope = context.Caller().Scope;
        var outcome = await recovery.CancelAsync(id, scope, Clock.Now(time), ct);
        var delivery = outcome == CancelOutcome.NotFound ? null : await deliveries.GetAsync(id, scope, ct);
        return delivery is null ? ApiResults.NotFound("delivery")
            : outcome == CancelOutcome.NotPending ? ApiResults.Error(409, $"only a pending delivery can be cancelled; this one is {delivery.Status.ToWire()}")
            : Results.Ok(DeliveryResponse.From(delivery));
    }

    private static async Task<IResult> CancelPendingAsync(
        string id, HttpContext context, IWebhookStore webhooks, IDeliveryRecoveryStore recovery, TimeProvider time, CancellationToken ct)
    {
        if (!await CanSeeAsync(id, context, webhooks, ct))
        {
            return ApiResults.NotFound("webhook");
        }

        var cancelled = await recovery.CancelPendingAsync(id, Clock.Now(time), ct);
        return Results.Ok(new BulkCancelled(cancelled));
    }

    private static async Task<IResult> RetryFailedAsync(
        string id, HttpContext context, IWebhookStore webhooks, IDeliveryRecoveryStore recovery, TimeProvider time, CancellationToken ct)
    {
        if (!await CanSeeAsync(id, context, webhooks, ct))
        {
            return ApiResults.NotFound("webhook");
        }

        var retried = await recovery.RetryFailedAsync(id, Clock.Now(time), ct);
        return Results.Json(new BulkRetried(retried), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<bool> CanSeeAsync(string webhookId, HttpContext context, IWebhookStore webhooks, CancellationToken ct) =>
        await webhooks.GetAsync(webhookId, ct) is { } webhook && context.Caller().CanSee(webhook.DomainId);

    private sealed record BulkCancelled(int Cancelled);

    private sealed record BulkRetried(int Retried);
}
