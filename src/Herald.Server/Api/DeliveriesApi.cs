using Herald.Core.Deliveries;
using Herald.Delivery.Dispatching;
using Herald.Server.Auth;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

internal static class DeliveriesApi
{
    public static void MapDeliveriesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/deliveries").WithTags("Deliveries");
        group.MapGet("/", ListAsync).ProducesErrors(401);
        group.MapGet("/{id}", GetAsync).ProducesErrors(401);
        group.MapPost("/{id}/retry", RetryAsync).ProducesErrors(401);
    }

    private static async Task<Results<Ok<ListResponse<DeliveryResponse>>, BadRequest<ApiResults.ErrorBody>>> ListAsync(
        HttpContext context, IDeliveryStore store, CancellationToken ct)
    {
        if (!Paging.TryReadDeliveryList(context.Request, out var page, out var status, out var error))
        {
            return error!;
        }

        var query = context.Request.Query;
        var filter = new DeliveryFilter(
            context.Caller().Scope,
            Empty(query["webhook_id"].ToString()),
            status,
            Empty(query["object_id"].ToString()),
            page);
        var result = await store.ListAsync(filter, ct);
        return TypedResults.Ok(new ListResponse<DeliveryResponse>(result.Objects.Select(DeliveryResponse.From).ToList(), result.Next));
    }

    private static async Task<Results<Ok<DeliveryResponse>, NotFound<ApiResults.ErrorBody>>> GetAsync(
        string id, HttpContext context, IDeliveryStore store, CancellationToken ct) =>
        await store.GetAsync(id, context.Caller().Scope, ct) is { } delivery
            ? TypedResults.Ok(DeliveryResponse.From(delivery))
            : ApiResults.NotFound("delivery");

    private static async Task<Results<Accepted<DeliveryResponse>, NotFound<ApiResults.ErrorBody>, Conflict<ApiResults.ErrorBody>>> RetryAsync(
        string id, HttpContext context, IDeliveryStore store, TimeProvider time, CancellationToken ct)
    {
        var scope = context.Caller().Scope;
        var retried = await store.RetryAsync(id, scope, time.GetUtcNow(), ct);
        if (retried is null)
        {
            if (await store.GetAsync(id, scope, ct) is null)
            {
                return ApiResults.NotFound("delivery");
            }

            return ApiResults.Conflict("the delivery is being attempted right now; try again when the attempt ends");
        }

        return TypedResults.Accepted((string?)null, DeliveryResponse.From(retried));
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;
}
