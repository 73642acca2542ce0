using System.Text.Json;
using Herald.Core.Webhooks;
using Herald.Delivery.Webhooks;
using Herald.Server.Auth;
using Herald.Server.Hosting;
using Herald.Signing;
using Herald.Storage;
using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Herald.Server;

internal static class WebhooksApi
{
    public static void MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks");
        group.MapGet("/", ListAsync).ProducesErrors(401);
        group.MapPost("/", CreateAsync).AcceptsJson<WebhookRequest>().ProducesErrors(401);
        group.MapGet("/{id}", GetAsync).ProducesErrors(401);
        group.MapPut("/{id}", (string id, HttpContext context, WebhookService service, CancellationToken ct) => UpdateAsync(id, partial: false, context, service, ct))
            .AcceptsJson<WebhookRequest>().ProducesErrors(401);
        group.MapPatch("/{id}", (string id, HttpContext context, WebhookService service, CancellationToken ct) => UpdateAsync(id, partial: true, context, service, ct))
            .AcceptsJson<WebhookRequest>().ProducesErrors(401);
        group.MapDelete("/{id}", DeleteAsync).ProducesErrors(401);
        group.MapPost("/{id}/secret/rotate", RotateAsync).AcceptsJson<RotateRequest>(optional: true).ProducesErrors(401);
    }

    private static async Task<Results<Ok<ListResponse<WebhookResponse>>, BadRequest<ApiResults.ErrorBody>>> ListAsync(HttpContext context, IWebhookStore store, CancellationToken ct)
    {
        if (!Paging.TryRead(context.Request, out var page, out var error))
        {
            return error!;
        }

        var result = await store.ListAsync(context.Caller().Scope, page, ct);
        return TypedResults.Ok(new ListResponse<WebhookResponse>(result.Objects.Select(w => WebhookResponse.From(w)).ToList(), result.Next));
    }

    private static async Task<Results<Ok<WebhookResponse>, NotFound<ApiResults.ErrorBody>>> GetAsync(string id, HttpContext context, IWebhookStore store, CancellationToken ct)
    {
        var webhook = await store.GetAsync(id, ct);
        return webhook is not null && context.Caller().CanSee(webhook.DomainId)
            ? TypedResults.Ok(WebhookResponse.From(webhook))
            : ApiResults.NotFound("webhook");
    }

    private static async Task<Results<Created<WebhookResponse>, WebhookError, BadRequest<ApiResults.ErrorBody>, PayloadTooLarge>> CreateAsync(
        HttpContext context, WebhookService service, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return error.TooLarge is { } tooLarge ? tooLarge : error.BadRequest!;
            }

            var outcome = await service.CreateAsync(document!.RootElement, context.Caller(), ct);
            return outcome.Error is { } invalid
                ? new WebhookError(invalid)
                : TypedResults.Created($"/api/v1/webhooks/{outcome.Webhook!.Id}", WebhookResponse.From(outcome.Webhook, withSecret: true));
        }
    }

    private static async Task<Results<Ok<WebhookResponse>, WebhookError, NotFound<ApiResults.ErrorBody>, BadRequest<ApiResults.ErrorBody>, PayloadTooLarge>> UpdateAsync(
        string id, bool partial, HttpContext context, WebhookService service, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return error.TooLarge is { } tooLarge ? tooLarge : error.BadRequest!;
            }

            var outcome = await service.UpdateAsync(id, document!.RootElement, partial, context.Caller(), ct);
            if (outcome.Error is { } invalid)
            {
                return new WebhookError(invalid);
            }

            return outcome.Webhook is null ? ApiResults.NotFound("webhook") : TypedResults.Ok(WebhookResponse.From(outcome.Webhook));
        }
    }

    private static async Task<Results<NoContent, NotFound<ApiResults.ErrorBody>>> DeleteAsync(string id, HttpContext context, WebhookService service, CancellationToken ct) =>
        await service.DeleteAsync(id, context.Caller(), ct) ? TypedResults.NoContent() : ApiResults.NotFound("webhook");

    private static async Task<Results<Ok<WebhookResponse>, BadRequest<ApiResults.ErrorBody>, NotFound<ApiResults.ErrorBody>, PayloadTooLarge>> RotateAsync(string id, HttpContext context, WebhookService service, CancellationToken ct)
    {
        var grace = TimeSpan.FromHours(24);
        if (context.Request.ContentLength > 0)
        {
            var (document, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
            using (document)
            {
                if (error is not null)
                {
                    return error.TooLarge is { } tooLarge ? tooLarge : error.BadRequest!;
                }

                if (document!.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return ApiResults.BadRequest("the body must be a JSON object such as {\"grace_seconds\": 3600}", "$");
                }

                if (document.RootElement.TryGetProperty("grace_seconds", out var value))
                {
                    if (!value.TryReadInt32(out var seconds) || seconds < 0 || seconds > 30 * 24 * 3600)
                    {
                        return ApiResults.BadRequest("grace_seconds must be a whole number from 0 to 2592000 (30 days)", "grace_seconds");
                    }

                    grace = TimeSpan.FromSeconds(seconds);
                }
            }
        }

        var webhook = await service.RotateSecretAsync(id, grace, context.Caller(), ct);
        return webhook is null ? ApiResults.NotFound("webhook") : TypedResults.Ok(WebhookResponse.From(webhook, withSecret: true));
    }
}

/// <summary>
/// A webhook definition the reader or the store refused: 400 (bad field; a bad query adds its
/// <c>position</c>), 403 (another domain) or 409 (domain full, domain change, edit conflict).
/// </summary>
internal sealed class WebhookError(FieldError error) : IResult, IStatusCodeHttpResult, IValueHttpResult<ApiResults.ErrorBody>, IValueHttpResult, IEndpointMetadataProvider
{
    public ApiResults.ErrorBody Value { get; } = new(new ApiResults.ErrorDetail(error.Message, error.Path, error.Position));

    public int? StatusCode { get; } = error.Status;

    object? IValueHttpResult.Value => Value;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Json(Value, statusCode: StatusCode).ExecuteAsync(httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        foreach (var status in (int[])[StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict])
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ApiResults.ErrorBody), ["application/json"]));
        }
    }
}

internal sealed record WebhookOutcome(Webhook? Webhook, FieldError? Error);

/// <summary>Webhook changes shared by the Herald and iconik-compatible routes.</summary>
internal sealed class WebhookService(IWebhookStore store, WebhookReader reader, IOptions<HeraldOptions> options, TimeProvider time)
{
    public async Task<WebhookOutcome> CreateAsync(JsonElement body, Caller caller, CancellationToken ct)
    {
        var now = Clock.Now(time);
        var blank = new Webhook { Id = Guid.CreateVersion7().ToString(), Url = string.Empty, EventType = string.Empty, DateCreated = now, DateModified = now };
        if (reader.Apply(body, blank, partial: false, caller, out var webhook) is { } error)
        {
            return new WebhookOutcome(null, error);
        }

        var secret = body.TryGetProperty("secret", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString()! : WebhookSecret.Generate();
        webhook = webhook with { Secrets = [new WebhookSecretEntry(secret, null)] };
        var limit = options.Value.MaxWebhooksPerDomain;
        if (!await store.InsertAsync(webhook, limit, ct))
        {
            return new WebhookOutcome(null, new FieldError($"domain {webhook.DomainId} already has the maximum of {limit} webhooks", "domain_id", Status: 409));
        }

        return new WebhookOutcome(webhook, null);
    }

    /// <summary>How often an edit that conflicts with other edits is tried before the answer is 409.</summary>
    internal const int EditTries = 5;

    /// <summary>
    /// Edits of one webhook on this node take turns (striped by id), so concurrent requests here
    /// queue instead of conflicting; the version check still guards against attempts and other nodes.
    /// </summary>
    private static readonly SemaphoreSlim[] EditTurns = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<WebhookOutcome> UpdateAsync(string id, JsonElement body, bool partial, Caller caller, CancellationToken ct)
    {
        // Read, validate and change outside the store, then write with the version read. A status
        // change from an attempt (or another edit) landing in between is a conflict: the change is
        // applied again to the fresh copy (a few tries) so a user's edit does not fail because a
        // delivery failed meanwhile; 409 when it still conflicts.
        FieldError? error = null;
        var result = await EditInTurnAsync(
            id,
            current =>
            {
                if (!caller.CanSee(current.DomainId))
                {
                    return null;
                }

                error = reader.Apply(body, current, partial, caller, out var changed);
                if (error is null && !string.Equals(changed.DomainId, current.DomainId, StringComparison.Ordinal))
                {
                    // A webhook's deliveries carry its domain (who may see and retry them), so moving
                    // the webhook would leave its history with the old tenant: refused instead.
                    error = new FieldError(
                        $"domain_id cannot change (it is {current.DomainId ?? "null"}): a webhook's past deliveries belong to its domain; create a new webhook in the other domain and delete this one",
                        "domain_id",
                        Status: 409);
                }

                return error is null ? changed with { DateModified = Clock.Now(time) } : null;
            },
            ct);
        if (result.Outcome == WebhookUpdateOutcome.Conflict)
        {
            return new WebhookOutcome(null, new FieldError(
                $"webhook {id} was changed by another update {EditTries} times while this one was applied; read it again and retry",
                "$",
                Status: 409));
        }

        return new WebhookOutcome(result.Webhook, error);
    }

    private async Task<WebhookUpdate> EditInTurnAsync(string id, Func<Webhook, Webhook?> change, CancellationToken ct)
    {
        var turn = EditTurns[(int)((uint)StringComparer.Ordinal.GetHashCode(id) % (uint)EditTurns.Length)];
        await turn.WaitAsync(ct);
        try
        {
            return await store.EditAsync(id, change, ct, EditTries);
        }
        finally
        {
            turn.Release();
        }
    }

    public async Task<bool> DeleteAsync(string id, Caller caller, CancellationToken ct)
    {
        var webhook = await store.GetAsync(id, ct);
        if (webhook is null || !caller.CanSee(webhook.DomainId) || !await store.DeleteAsync(id, time.GetUtcNow(), ct))
        {
            return false;
        }

        return true;
    }

    /// <summary>A new secret signs from now on; the old ones keep signing beside it for <paramref name="grace"/>.</summary>
    public async Task<Webhook?> RotateSecretAsync(string id, TimeSpan grace, Caller caller, CancellationToken ct)
    {
        var now = Clock.Now(time);
        var updated = await store.UpdateAsync(
            id,
            current => !caller.CanSee(current.DomainId) ? null : current with
            {
                Secrets = [new WebhookSecretEntry(WebhookSecret.Generate(), null),
                    .. current.Secrets
                        .Where(s => s.ExpiresAt is null || s.ExpiresAt > now)
                        .Select(s => s with { ExpiresAt = s.ExpiresAt is { } e && e < now + grace ? e : now + grace })
                        .Where(s => s.ExpiresAt > now)],
                DateModified = now,
            },
            ct);
        return updated;
    }
}
