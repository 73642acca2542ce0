using System.Runtime.InteropServices;
using System.Text.Json;
using Herald.Core.Events;
using Herald.Server.Auth;
using Herald.Server.Hosting;
using Herald.Delivery.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Herald.Server;

internal static class EventsApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static void MapEventsApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/events", PublishAsync).WithTags("Events")
            .AcceptsJson<EventEnvelope>().ProducesErrors(401, 503);

    /// <summary>
    /// Validates every event first (nothing is stored when one is bad), then hands them to the
    /// ingestor, which stores events and deliveries in one transaction before the 202.
    /// </summary>
    private static async Task<Results<Accepted<EventsAccepted>, BadRequest<ApiResults.ErrorBody>, Forbidden, PayloadTooLarge>> PublishAsync(
        HttpContext context,
        EventIngestor ingestor,
        IngestBudget budget,
        IOptions<HeraldOptions> options,
        CancellationToken ct)
    {
        var caller = context.Caller();
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (key.Length > 255)
        {
            return ApiResults.BadRequest("Idempotency-Key is longer than 255 characters", "headers.Idempotency-Key");
        }

        // Held from reading the body until its events are stored: the body, its events' copies and
        // the parsed document are what a publish keeps in memory. A body of unknown length counts
        // as the largest allowed.
        if (context.Request.ContentLength > options.Value.MaxEventBodyBytes)
        {
            // Refused before it takes a share of the budget (JsonBody would refuse it too).
            return ApiResults.PayloadTooLarge($"the body is larger than the limit of {options.Value.MaxEventBodyBytes} bytes");
        }

        using var reservation = await budget.EnterAsync(
            Math.Min(context.Request.ContentLength ?? options.Value.MaxEventBodyBytes, options.Value.MaxEventBodyBytes), ct);
        var (document, error) = await JsonBody.ReadAsync(context.Request, options.Value.MaxEventBodyBytes, ct);
        using (document)
        {
            if (error is not null)
            {
                return error.TooLarge is { } tooLarge ? tooLarge : error.BadRequest!;
            }

            var root = document!.RootElement;
            var isArray = root.ValueKind == JsonValueKind.Array;
            var elements = isArray ? root.EnumerateArray().ToList() : [root];
            if (elements.Count == 0)
            {
                return ApiResults.BadRequest("the array holds no events", "$");
            }

            var incoming = new List<IncomingEvent>(elements.Count);
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
                        return ApiResults.Forbidden("a domain key may only publish events of its own system_domain_id", prefix + "system_domain_id");
                    }

                    published = published with { DomainId = caller.DomainId };
                }

                incoming.Add(new IncomingEvent(published!, element));
            }

            var result = await ingestor.IngestAsync(incoming, caller.Scope ?? string.Empty, key.Length == 0 ? null : key, fromApi: true, ct);
            return TypedResults.Accepted((string?)null, new EventsAccepted(result.EventIds));
        }
    }
}
