using Herald.Storage;

namespace Herald.Server;

internal static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).WithTags("Health").Produces<HealthStatus>();
        app.MapGet("/readyz", async (IStoreHealth health, CancellationToken ct) =>
            await health.IsReachableAsync(ct)
                ? Results.Ok(new { status = "ready" })
                : Results.Json(new { status = "database unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable)).WithTags("Health")
            .Produces<HealthStatus>().Produces<HealthStatus>(StatusCodes.Status503ServiceUnavailable);
    }
}
