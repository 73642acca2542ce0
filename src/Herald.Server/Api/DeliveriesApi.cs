using Herald.Core.Deliveries;
using Herald.Delivery.Dispatching;
using Herald.Server.Auth;
using Herald.Storage;

namespace Herald.Server;

internal static class DeliveriesApi
{
    public static void MapDeliveriesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/deliveries").WithTags("Deliveries");
        group.MapGet("/", ListAsync).Produces<ListResponse<DeliveryResponse>>().ProducesErrors(400, 401);
        group.MapGet("/{id}", GetAsync).Produces<DeliveryResponse>().ProducesErrors(401, 404);
        group.MapPost("/{id}/retry", RetryAsync).Produces<DeliveryResponse>(202).ProducesErrors(401, 404, 409);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IDeliveryStore store, CancellationToken ct)
    {
        if (!Paging.TryRead(context.Request, out var page, out var error))
        {
            return error!;
        }

        var query = context.Request.Query;
        DeliveryStatus? status = null;
        if (query["status"].ToString() is { Length: > 0 } statusText)
        {
            if (!DeliveryStatusNames.TryParse(statusText, out var parsed))
            {
                return ApiResults.BadRequest("status must be pending, succeeded, failed or cancelled", "status");
            }

            status = parsed;
        }

        var filter = new DeliveryFilter(
            context.Caller().Scope,
            Empty(query["webhook_id"].ToString()),
            status,
            Empty(query["object_id"].ToString()),
            page);
        var result = await store.ListAsync(filter, ct);
        return Results.Ok(new ListResponse<DeliveryResponse>(result.Objects.Select(DeliveryResponse.From).ToList(), result.Next));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, IDeliveryStore store, CancellationToken ct) =>
        await store.GetAsync(id, context.Caller().Scope, ct) is { } delivery
            ? Results.Ok(DeliveryResponse.From(delivery))
            : ApiResults.NotFound("delivery");

    private static async Task<IResult> RetryAsync(string id, HttpContext context, IDeliveryStore store, TimeProvider time, CancellationToken ct)
    {
        var scope = context.Caller().Scope;
        var retried = await store.RetryAsync(id, scope, time.GetUtcNow(), ct);
        if (retried is null)
        {
            return await store.GetAsync(id, scope, ct) is null
                ? ApiResults.NotFound("delivery")
                : ApiResults.Error(409, "the delivery is being attempted right now; try again when the attempt ends");
        }

        return Results.Json(DeliveryResponse.From(retried), statusCode: StatusCodes.Status202Accepted);
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;
}
