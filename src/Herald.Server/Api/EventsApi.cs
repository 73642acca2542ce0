using System.Runtime.InteropServices;
using System.Text.Json;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Metrics;
using Herald.Delivery.Webhooks;
using Herald.Server.Auth;
using Herald.Server.Hosting;
using Herald.Storage;
using Microsoft.Extensions.Options;

namespace Herald.Server;

internal static class EventsApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static void MapEventsApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/events", PublishAsync).WithTags("Events");

    /// <summary>
    /// Validates every event first (nothing is stored when one is bad), matches each against the
    /// webhook index, and stores events and deliveries in one transaction before answering 202.
    /// </summary>
    private static async Task<IResult> PublishAsync(
        HttpContext context,
        IEventStore store,
        WebhookRegistry registry,
        DispatchSignal signal,
        IOptions<HeraldOptions> options,
        TimeProvider time,
        HeraldMetrics metrics,
        CancellationToken ct)
    {
        var caller = context.Caller();
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (key.Length > 255)
        {
            return ApiResults.BadRequest("Idempotency-Key is longer than 255 characters", "headers.Idempotency-Key");
        }

        var (document, _, error) = await JsonBody.ReadAsync(context.Request, options.Value.MaxEventBodyBytes, ct);
        using (document)
        {
            if (error is not null)
            {
                return error;
            }

            var root = document!.RootElement;
            var isArray = root.ValueKind == JsonValueKind.Array;
            var elements = isArray ? root.EnumerateArray().ToList() : [root];
            if (elements.Count == 0)
            {
                return ApiResults.BadRequest("the array holds no events", "$");
            }

            var now = time.GetUtcNow();
            var index = registry.Current;
            var events = new List<StoredEvent>(elements.Count);
            var deliveries = new List<NewDelivery>();
            var matches = new List<Webhook>();
            for (var i = 0; i < elements.Count; i++)
            {
                var element = elements[i];
                var prefix = isArray ? $"[{i}]." : string.Empty;
                var body = JsonMarshal.GetRawUtf8Value(element).ToArray();
                if (!EventEnvelopeReader.TryRead(element, body, prefix, out var published, out var invalid))
                {
                    return ApiResults.BadRequest(invalid!.Message, invalid.Path);
                }

                if (!caller.IsAdmin)
                {
                    if (published!.DomainId is not null && !string.Equals(published.DomainId, caller.DomainId, StringComparison.Ordinal))
                    {
                        return ApiResults.Error(403, "a domain key may only publish events of its own system_domain_id", prefix + "system_domain_id");
                    }

                    published = published with { DomainId = caller.DomainId };
                }

                var stored = new StoredEvent(Guid.CreateVersion7(now).ToString(), published!, now);
                events.Add(stored);
                matches.Clear();
                index.Match(published!, element, matches);
                foreach (var webhook in matches)
                {
                    // A delivery belongs to its webhook's domain: a tenant sees deliveries to its own webhooks only.
                    deliveries.Add(new NewDelivery(Guid.CreateVersion7(now).ToString(), webhook.Id, stored.Id, published!.ObjectId, webhook.DomainId, now));
                }
            }

            var scope = caller.Scope ?? string.Empty;
            var result = await store.IngestAsync(new IngestBatch(events, deliveries, scope, key.Length == 0 ? null : key, now), ct);
            if (!result.Replayed && deliveries.Count > 0)
            {
                signal.Notify();
            }

            metrics.Published(events.Count, deliveries.Count, result.Replayed);
            return Results.Json(new EventsAccepted(result.EventIds), statusCode: StatusCodes.Status202Accepted);
        }
    }
}
