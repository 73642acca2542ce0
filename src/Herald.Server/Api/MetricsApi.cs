using Herald.Server.Hosting;

namespace Herald.Server;

internal static class MetricsApi
{
    /// <summary>
    /// <c>GET /metrics</c>: Prometheus text from the OpenTelemetry SDK's Prometheus exporter, no
    /// key needed (like /healthz), so scrapers need no secret.
    /// </summary>
    public static void MapMetricsApi(this IEndpointRouteBuilder app) => app.MapHeraldMetrics();
}
