using Herald.Storage;

namespace Herald.Server;

internal static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).WithTags("Health").Produces<HealthStatus>();
        app.MapGet("/readyz", async (IStoreHealth health, CancellationToken ct) =>
        {
            var report = await health.CheckAsync(ct);
            return report.Ready
                ? Results.Ok(new { status = report.Status })
                : Results.Json(new { status = report.Status, reason = report.Reason }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithTags("Health")
        .Produces<HealthStatus>().Produces<HealthStatus>(StatusCodes.Status503ServiceUnavailable);
    }
}
