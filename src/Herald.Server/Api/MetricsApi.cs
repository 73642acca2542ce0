using Herald.Server.Metrics;

namespace Herald.Server;

internal static class MetricsApi
{
    /// <summary><c>GET /metrics</c>: Prometheus text, no key needed (like /healthz), so scrapers need no secret.</summary>
    public static void MapMetricsApi(this IEndpointRouteBuilder app)
    {
        // Start listening now, not on the first scrape, so nothing measured before it is missed.
        app.ServiceProvider.GetRequiredService<PrometheusCollector>();
        app.MapGet("/metrics", (PrometheusCollector collector) => Results.Text(collector.Collect(), PrometheusCollector.ContentType))
            .ExcludeFromDescription();
    }
}
