using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Http;
using Herald.Delivery.Payload;
using Herald.Server.Auth;
using Herald.Signing;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server.Admin;

/// <summary>
/// What the admin UI needs beyond the public API: statistics, the dashboard, charts, deliveries in
/// a time range and the request a delivery sent. Everything is scoped by the caller exactly as the
/// API scopes it (<see cref="Caller.Scope"/>, <see cref="Caller.CanSee"/>); the UI's changes go
/// through the public API itself.
/// </summary>
internal static class AdminDataApi
{
    private const int TopEndpoints = 5;

    public static void MapAdminDataApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/ui").ExcludeFromDescription();
        group.MapGet("/webhook-stats", WebhookStatsAsync);
        group.MapGet("/dashboard", DashboardAsync);
        group.MapGet("/charts/throughput.svg", ThroughputChartAsync);
        group.MapGet("/charts/webhooks.svg", WebhooksChartAsync);
        group.MapGet("/deliveries", DeliveriesAsync);
        group.MapGet("/deliveries/{id}/request", DeliveryRequestAsync);
    }

    private static async Task<IResult> WebhookStatsAsync(HttpContext context, DeliveryStatsCache stats, CancellationToken ct)
    {
        var read = await stats.GetAsync(context.Caller().Scope, ct);
        return Results.Ok(new
        {
            since = read.Since.UtcDateTime,
            objects = read.ByWebhook.Values.Select(s => new { webhook_id = s.WebhookId, attempts = s.Attempts, succeeded = s.Succeeded, success_rate = s.SuccessRate, p95_ms = s.P95Ms }),
        });
    }

    private static async Task<IResult> DashboardAsync(
        HttpContext context, DeliveryStatsCache stats, IDeliveryStatsStore store, IWebhookStore webhooks, CancellationToken ct)
    {
        var scope = context.Caller().Scope;
        var read = await stats.GetAsync(scope, ct);
        var byStatus = await store.CountWebhooksAsync(scope, ct);
        var names = await WebhookNamesAsync(webhooks, scope, ct);
        var all = read.ByWebhook.Values.Where(s => names.ContainsKey(s.WebhookId)).ToList();
        var attempts = all.Sum(s => s.Attempts);
        var succeeded = all.Sum(s => s.Succeeded);
        object Endpoint(WebhookAttemptStats s) => new
        {
            webhook_id = s.WebhookId,
            name = names[s.WebhookId].Name,
            url = names[s.WebhookId].Url,
            attempts = s.Attempts,
            failed = s.Failed,
            success_rate = s.SuccessRate,
            p95_ms = s.P95Ms,
        };

        return Results.Ok(new
        {
            since = read.Since.UtcDateTime,
            now = read.Now.UtcDateTime,
            queue_depth = read.Pending,
            webhooks_by_status = byStatus.ToDictionary(p => p.Key.ToWire(), p => p.Value),
            totals = new { attempts, succeeded, failed = attempts - succeeded, success_rate = attempts == 0 ? (double?)null : (double)succeeded / attempts },
            last_hour = new
            {
                succeeded = read.LastHour.Sum(m => m.Succeeded),
                failed = read.LastHour.Sum(m => m.Failed),
            },
            slowest = all.Where(s => s.P95Ms is not null).OrderByDescending(s => s.P95Ms).Take(TopEndpoints).Select(Endpoint),
            most_failing = all.Where(s => s.Failed > 0).OrderByDescending(s => s.Failed).ThenBy(s => s.SuccessRate).Take(TopEndpoints).Select(Endpoint),
        });
    }

    private static async Task<IResult> ThroughputChartAsync(HttpContext context, DeliveryStatsCache stats, CancellationToken ct)
    {
        var read = await stats.GetAsync(context.Caller().Scope, ct);
        return Svg(AdminCharts.Throughput(read.LastHour));
    }

    private static async Task<IResult> WebhooksChartAsync(HttpContext context, IDeliveryStatsStore store, CancellationToken ct) =>
        Svg(AdminCharts.WebhooksByStatus(await store.CountWebhooksAsync(context.Caller().Scope, ct)));

    private static async Task<Results<Ok<ListResponse<DeliveryResponse>>, BadRequest<ApiResults.ErrorBody>>> DeliveriesAsync(
        HttpContext context, IDeliveryStatsStore store, CancellationToken ct)
    {
        var query = context.Request.Query;
        if (!Paging.TryReadDeliveryList(context.Request, out var page, out var status, out var error)
            || !TryTime(query["since"].ToString(), "since", out var since, out error) || !TryTime(query["until"].ToString(), "until", out var until, out error))
        {
            return error!;
        }

        var filter = new DeliveryFilter(context.Caller().Scope, Empty(query["webhook_id"].ToString()), status, Empty(query["object_id"].ToString()?.Trim() ?? string.Empty), page);
        var result = await store.ListAsync(filter, since, until, ct);
        return TypedResults.Ok(new ListResponse<DeliveryResponse>(result.Objects.Select(DeliveryResponse.From).ToList(), result.Next));
    }

    /// <summary>
    /// The request each attempt of a delivery sent, rebuilt by the sender's own factory from the
    /// stored event and the webhook's signing secrets at the attempt's time. Credentials never leave:
    /// an Authorization header is shown by its scheme only.
    /// </summary>
    private static async Task<IResult> DeliveryRequestAsync(
        string id, HttpContext context, IDeliveryStore deliveries, IDeliveryStatsStore store, IWebhookStore webhooks, PayloadShaperCache shapers, CancellationToken ct)
    {
        var caller = context.Caller();
        var delivery = await deliveries.GetAsync(id, caller.Scope, ct);
        if (delivery is null)
        {
            return ApiResults.NotFound("delivery");
        }

        var webhook = await webhooks.GetAsync(delivery.WebhookId, ct);
        var stored = await store.GetEventAsync(delivery.EventId, caller.Scope, ct);
        if (webhook is null || !caller.CanSee(webhook.DomainId) || stored is null)
        {
            return Results.Ok(new { available = false, reason = webhook is null ? "the webhook has been deleted" : "the event has been removed by retention" });
        }

        var body = shapers.For(webhook).Shape(stored.Body);
        var eventName = Herald.Core.Events.EventNames.Format(stored.EventType, stored.Realm, stored.Operation);
        var attempts = (delivery.Attempts ?? []).Select(a =>
        {
            var claimed = new ClaimedDelivery(delivery.Id, delivery.WebhookId, delivery.EventId, delivery.ObjectId, a.Number - 1, eventName, stored.Body, a.StartedAt);
            using var request = WebhookRequestFactory.Create(webhook, claimed, a.Number, a.StartedAt, body, authorization: null);
            var headers = new List<string[]> { new[] { "Content-Type", "application/json" } };
            if (webhook.Auth is { } auth)
            {
                headers.Add(["Authorization", (auth.Type == WebhookAuth.Basic ? "Basic" : "Bearer") + " •••••• (credentials hidden)"]);
            }

            headers.AddRange(request.Headers.Select(h => new[] { h.Key, string.Join(", ", h.Value) }));
            return new { number = a.Number, started_at = a.StartedAt.UtcDateTime, headers };
        });

        return Results.Ok(new
        {
            available = true,
            method = "POST",
            url = webhook.Url,
            @event = new { id = stored.Id, name = eventName, object_id = stored.ObjectId, received_at = stored.ReceivedAt.UtcDateTime },
            body = System.Text.Encoding.UTF8.GetString(body.Span),
            attempts,
        });
    }

    private static async Task<Dictionary<string, (string Name, string Url)>> WebhookNamesAsync(IWebhookStore webhooks, string? scope, CancellationToken ct)
    {
        var names = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await webhooks.ListAsync(scope, new PageRequest(PageRequest.MaxLimit, cursor), ct);
            foreach (var w in page.Objects)
            {
                names[w.Id] = (w.Name ?? w.Id, w.Url);
            }

            cursor = page.Next;
        }
        while (cursor is not null);
        return names;
    }

    private static bool TryTime(string text, string name, out DateTimeOffset? value, out BadRequest<ApiResults.ErrorBody>? error)
    {
        value = null;
        error = null;
        if (text.Length == 0)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
        {
            error = ApiResults.BadRequest($"{name} must be an ISO 8601 time, e.g. 2025-01-01T00:00:00Z", name);
            return false;
        }

        value = parsed;
        return true;
    }

    private static IResult Svg(string svg) => Results.Text(svg, "image/svg+xml; charset=utf-8");

    private static string? Empty(string value) => value.Length == 0 ? null : value;
}
