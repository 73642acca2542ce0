using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

internal static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("ok"))).WithTags("Health");
        app.MapGet("/readyz", async Task<Results<Ok<HealthStatus>, ServiceUnavailable<HealthUnready>>> (IStoreHealth health, CancellationToken ct) =>
        {
            var report = await health.CheckAsync(ct);
            return report.Ready
                ? TypedResults.Ok(new HealthStatus(report.Status))
                : new ServiceUnavailable<HealthUnready>(new HealthUnready(report.Status, report.Reason));
        }).WithTags("Health");
    }
}
