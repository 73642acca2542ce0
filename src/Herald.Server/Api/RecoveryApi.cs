using Herald.Core.Deliveries;
using Herald.Delivery.Dispatching;
using Herald.Server.Auth;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

/// <summary>Cancel one pending delivery; cancel a webhook's pending deliveries; retry its failed ones.</summary>
internal static class RecoveryApi
{
    public static void MapRecoveryApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/deliveries/{id}/cancel", CancelAsync).WithTags("Deliveries").ProducesErrors(401);
        var webhook = app.MapGroup("/api/v1/webhooks/{id}/deliveries").WithTags("Deliveries");
        webhook.MapPost("/cancel", CancelPendingAsync).ProducesErrors(401);
        webhook.MapPost("/retry", RetryFailedAsync).ProducesErrors(401);
    }

    private static async Task<Results<Ok<DeliveryResponse>, NotFound<ApiResults.ErrorBody>, Conflict<ApiResults.ErrorBody>>> CancelAsync(
        string id, HttpContext context, IDeliveryRecoveryStore recovery, IDeliveryStore deliveries, TimeProvider time, CancellationToken ct)
    {
        var scope = context.Caller().Scope;
        var outcome = await recovery.CancelAsync(id, scope, Clock.Now(time), ct);
        var delivery = outcome == CancelOutcome.NotFound ? null : await deliveries.GetAsync(id, scope, ct);
        if (delivery is null)
        {
            return ApiResults.NotFound("delivery");
        }

        return outcome == CancelOutcome.NotPending
            ? ApiResults.Conflict($"only a pending delivery can be cancelled; this one is {delivery.Status.ToWire()}")
            : TypedResults.Ok(DeliveryResponse.From(delivery));
    }

    private static async Task<Results<Ok<CancelledCount>, NotFound<ApiResults.ErrorBody>>> CancelPendingAsync(
        string id, HttpContext context, IWebhookStore webhooks, IDeliveryRecoveryStore recovery, TimeProvider time, CancellationToken ct)
    {
        if (!await CanSeeAsync(id, context, webhooks, ct))
        {
            return ApiResults.NotFound("webhook");
        }

        var cancelled = await recovery.CancelPendingAsync(id, Clock.Now(time), ct);
        return TypedResults.Ok(new CancelledCount(cancelled));
    }

    private static async Task<Results<Accepted<RetriedCount>, NotFound<ApiResults.ErrorBody>>> RetryFailedAsync(
        string id, HttpContext context, IWebhookStore webhooks, IDeliveryRecoveryStore recovery, TimeProvider time, CancellationToken ct)
    {
        if (!await CanSeeAsync(id, context, webhooks, ct))
        {
            return ApiResults.NotFound("webhook");
        }

        var retried = await recovery.RetryFailedAsync(id, Clock.Now(time), ct);
        return TypedResults.Accepted((string?)null, new RetriedCount(retried));
    }

    private static async Task<bool> CanSeeAsync(string webhookId, HttpContext context, IWebhookStore webhooks, CancellationToken ct) =>
        await webhooks.GetAsync(webhookId, ct) is { } webhook && context.Caller().CanSee(webhook.DomainId);
}
