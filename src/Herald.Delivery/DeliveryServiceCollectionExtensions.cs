using System.Net;
using Herald.Delivery.Auth;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Http;
using Herald.Delivery.Ingest;
using Herald.Delivery.Payload;
using Herald.Delivery.Security;
using Herald.Delivery.Metrics;
using Herald.Delivery.Webhooks;
using Herald.Core.Deliveries;
using Herald.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>Registers the dispatcher, its guarded pooled HTTP client and the webhook registry.</summary>
    public static IServiceCollection AddHeraldDelivery(this IServiceCollection services, NetworkPolicy policy)
    {
        var client = CreateClient(new GuardedConnector(policy));
        services.AddSingleton(policy);
        services.AddMetrics();
        services.AddSingleton<HeraldMetrics>();
        services.AddSingleton(sp =>
        {
            var signal = new DispatchSignal();
            signal.WakeOn(sp.GetRequiredService<IStoreChanges>());
            return signal;
        });
        services.TryAddSingleton(RetryJitter.Shared);
        services.AddSingleton<WebhookRegistry>();
        services.AddSingleton<EventIngestor>();
        services.AddSingleton<IOperationalEvents, OperationalEventPublisher>();
        services.AddSingleton<PayloadShaperCache>();
        services.AddSingleton(sp => new OAuthTokenCache(client, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<OutboundAuthenticator>();
        services.AddSingleton(sp => new WebhookSender(
            client, sp.GetRequiredService<OutboundAuthenticator>(), sp.GetRequiredService<PayloadShaperCache>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IValidateOptions<DispatcherOptions>, DispatcherOptionsValidator>();
        services.AddSingleton<IValidateOptions<PartitionOptions>, PartitionOptionsValidator>();
        services.AddSingleton<DeliveryDispatcher>();

        // The balancer is registered first, so it stops after the dispatcher: partitions are given
        // back only once in-flight attempts have finished.
        services.AddSingleton<PartitionOwnership>();
        services.AddSingleton<IPartitionWork>(sp => sp.GetRequiredService<DeliveryDispatcher>());
        services.AddSingleton<PartitionBalancer>();
        services.AddHostedService(sp => sp.GetRequiredService<PartitionBalancer>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryDispatcher>());
        return services;
    }

    private static HttpClient CreateClient(GuardedConnector connector)
    {
        // One pooled handler for every target: connections are reused per host, recycled every few
        // minutes so DNS changes are seen, redirects are never followed (a 3xx is a failed attempt),
        // and every connection goes through the SSRF guard.
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

            // What a hostile receiver can make Herald read: headers up to 64 KiB; of a body, the
            // sender keeps 4 KiB and the handler drains at most 1 MiB for 2 s to reuse the
            // connection, then drops it. (The platform's defaults, stated because they matter.)
            MaxResponseHeadersLength = 64,
            MaxResponseDrainSize = 1024 * 1024,
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
            ConnectCallback = connector.ConnectAsync,

            // Herald writes traceparent itself (the attempt's span, TraceContextHeaders): the
            // handler's propagation would replace it with its own HTTP client span.
            ActivityHeadersPropagator = null,
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
