using System.Net;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Http;
using Herald.Delivery.Metrics;
using Herald.Delivery.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>Registers the dispatcher, its pooled HTTP client and the webhook registry.</summary>
    public static IServiceCollection AddHeraldDelivery(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<HeraldMetrics>();
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<WebhookRegistry>();
        services.AddSingleton(sp => new WebhookSender(CreateClient(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<DeliveryDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryDispatcher>());
        return services;
    }

    private static HttpClient CreateClient()
    {
        // One pooled handler for every target: connections are reused per host, recycled every few
        // minutes so DNS changes are seen, and redirects are never followed (a 3xx is a failed attempt).
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            MaxConnectionsPerServer = 256,
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
