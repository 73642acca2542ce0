using System.Diagnostics.Metrics;
using Herald.Core.Webhooks;
using Herald.Delivery.Auth;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Metrics;
using Herald.Delivery.Webhooks;

namespace Herald.Server.Metrics;

/// <summary>
/// Gauges read when metrics are collected, from state the process holds anyway (the dispatcher's
/// in-flight set, the webhook registry), so they cost nothing between scrapes.
/// </summary>
internal sealed class HeraldGauges
{
    private static readonly WebhookStatus[] Statuses = Enum.GetValues<WebhookStatus>();

    public HeraldGauges(HeraldMetrics metrics, DeliveryDispatcher dispatcher, WebhookRegistry registry, OAuthTokenCache tokens)
    {
        metrics.Meter.CreateObservableCounter(
            "herald.oauth.token_fetches", () => tokens.Fetches, "{request}", "OAuth2 token requests made for webhooks with oauth2 auth (cache misses and refreshes after a 401).");
        metrics.Meter.CreateObservableGauge(
            "herald.deliveries.inflight", () => dispatcher.InFlight, "{delivery}", "Deliveries this process has claimed and is attempting now.");
        metrics.Meter.CreateObservableGauge(
            "herald.deliveries.waiting", () => dispatcher.Waiting, "{delivery}", "Deliveries this process has claimed that wait on their webhook's lane for a slot.");
        metrics.Meter.CreateObservableGauge(
            "herald.webhooks", () => CountByStatus(registry.Current), "{webhook}", "Webhooks by status.");
    }

    // The index keeps its counts by status as it changes: a scrape does not walk every webhook.
    private static IEnumerable<Measurement<int>> CountByStatus(WebhookIndex index) =>
        Statuses.Select(s => new Measurement<int>(index.CountOf(s), new KeyValuePair<string, object?>("status", s.ToWire())));
}
