using System.Text.Json;
using Herald.Delivery.Recovery;
using Herald.Server.Auth;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

/// <summary>Durable replays of a webhook over a time range (PRODUCT.md §5).</summary>
internal static class ReplaysApi
{
    public static void MapReplaysApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/webhooks/{id}/replay", CreateAsync).WithTags("Replays")
            .AcceptsJson<ReplayRequestBody>().ProducesErrors(401);
        var group = app.MapGroup("/api/v1/replays").WithTags("Replays");
        group.MapGet("/{id}", GetAsync).ProducesErrors(401);
        group.MapDelete("/{id}", CancelAsync).ProducesErrors(401);
    }

    private static async Task<Results<Accepted<ReplayResponse>, BadRequest<ApiResults.ErrorBody>, NotFound<ApiResults.ErrorBody>, PayloadTooLarge>> CreateAsync(
        string id, HttpContext context, IWebhookStore webhooks, IReplayStore replays, ReplayWorker worker, TimeProvider time, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return error.TooLarge is { } tooLarge ? tooLarge : error.BadRequest!;
            }

            var now = Clock.Now(time);
            if (Validate(document!.RootElement, now, out var request) is { } invalid)
            {
                return invalid;
            }

            var webhook = await webhooks.GetAsync(id, ct);
            if (webhook is null || !context.Caller().CanSee(webhook.DomainId))
            {
                return ApiResults.NotFound("webhook");
            }

            var job = new ReplayJob(
                Guid.CreateVersion7(now).ToString(), webhook.Id, webhook.DomainId, request!.Since, request.Until, request.OnlyFailed,
                ReplayJobStatus.Running, Cursor: null, EventsScanned: 0, DeliveriesCreated: 0, now, now);
            await replays.InsertAsync(job, ct);
            worker.Notify();
            return TypedResults.Accepted((string?)null, ReplayResponse.From(job));
        }
    }

    private static async Task<Results<Ok<ReplayResponse>, NotFound<ApiResults.ErrorBody>>> GetAsync(string id, HttpContext context, IReplayStore replays, CancellationToken ct) =>
        await replays.GetAsync(id, context.Caller().Scope, ct) is { } job
            ? TypedResults.Ok(ReplayResponse.From(job))
            : ApiResults.NotFound("replay");

    private static async Task<Results<Ok<ReplayResponse>, NotFound<ApiResults.ErrorBody>, Conflict<ApiResults.ErrorBody>>> CancelAsync(
        string id, HttpContext context, IReplayStore replays, TimeProvider time, CancellationToken ct)
    {
        var job = await replays.CancelAsync(id, context.Caller().Scope, Clock.Now(time), ct);
        if (job is null)
        {
            return ApiResults.NotFound("replay");
        }

        return job.Status == ReplayJobStatus.Completed
            ? ApiResults.Conflict("the replay has already completed")
            : TypedResults.Ok(ReplayResponse.From(job));
    }

    private sealed record ReplayRequest(DateTimeOffset Since, DateTimeOffset Until, bool OnlyFailed);

    /// <summary>
    /// <c>since</c> is required; <c>until</c> defaults to now, and a later one is taken as now (what
    /// is published from here on is delivered live, not replayed); times are kept to the millisecond.
    /// </summary>
    private static BadRequest<ApiResults.ErrorBody>? Validate(JsonElement body, DateTimeOffset now, out ReplayRequest? request)
    {
        request = null;
        if (body.ValueKind != JsonValueKind.Object)
        {
            return ApiResults.BadRequest("the body must be a JSON object", "$");
        }

        if (!body.TryGetProperty("since", out var sinceValue) || sinceValue.ValueKind == JsonValueKind.Null)
        {
            return ApiResults.BadRequest("since is required", "since");
        }

        if (sinceValue.ValueKind != JsonValueKind.String || !sinceValue.TryGetDateTimeOffset(out var since))
        {
            return ApiResults.BadRequest("since must be an ISO 8601 time, e.g. 2025-01-01T00:00:00Z", "since");
        }

        var until = now;
        if (body.TryGetProperty("until", out var untilValue) && untilValue.ValueKind != JsonValueKind.Null)
        {
            if (untilValue.ValueKind != JsonValueKind.String || !untilValue.TryGetDateTimeOffset(out until))
            {
                return ApiResults.BadRequest("until must be an ISO 8601 time, e.g. 2025-01-02T00:00:00Z", "until");
            }

            until = until > now ? now : until;
        }

        var onlyFailed = false;
        if (body.TryGetProperty("only_failed", out var onlyFailedValue) && onlyFailedValue.ValueKind != JsonValueKind.Null)
        {
            if (onlyFailedValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return ApiResults.BadRequest("only_failed must be true or false", "only_failed");
            }

            onlyFailed = onlyFailedValue.GetBoolean();
        }

        since = Truncate(since);
        until = Truncate(until);
        if (since >= until)
        {
            return ApiResults.BadRequest("since must be before until (and before now)", "since");
        }

        request = new ReplayRequest(since, until, onlyFailed);
        return null;
    }

    private static DateTimeOffset Truncate(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}

internal sealed record ReplayResponse(
    string Id,
    string WebhookId,
    DateTime Since,
    DateTime Until,
    bool OnlyFailed,
    string Status,
    long EventsScanned,
    long DeliveriesCreated,
    DateTime DateCreated,
    DateTime DateModified)
{
    public static ReplayResponse From(ReplayJob job) => new(
        job.Id, job.WebhookId, job.Since.UtcDateTime, job.Until.UtcDateTime, job.OnlyFailed, job.Status.ToWire(),
        job.EventsScanned, job.DeliveriesCreated, job.CreatedAt.UtcDateTime, job.ModifiedAt.UtcDateTime);
}
