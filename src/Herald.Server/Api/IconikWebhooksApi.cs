using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Server.Auth;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

/// <summary>
/// iconik's webhook routes (PRODUCT.md §6a), so existing iconik admin scripts keep working:
/// <c>Auth-Token</c> auth (see <see cref="ApiKeyMiddleware"/>), iconik's field names, paged
/// lists and <c>{"errors": [...]}</c>. Validation and storage are the Herald routes' own
/// (<see cref="WebhookService"/>, <see cref="WebhookReader"/>).
/// </summary>
internal static class IconikWebhooksApi
{
    public const string Prefix = "/API/notifications/v1/webhooks";
    public const int DefaultPerPage = 10;

    public static void MapIconikWebhooksApi(this IEndpointRouteBuilder app)
    {
        // Routing treats the trailing slash as optional: ".../webhooks/" and ".../webhooks" both match.
        var group = app.MapGroup(Prefix).WithTags("iconik compatibility");
        group.MapGet("/", ListAsync).ProducesIconikErrors(401);
        group.MapPost("/", CreateAsync).AcceptsJson<IconikWebhookRequest>().ProducesIconikErrors(401);
        group.MapGet("/{id}/", GetAsync).ProducesIconikErrors(401);
        group.MapPut("/{id}/", UpdateAsync).AcceptsJson<IconikWebhookRequest>().ProducesIconikErrors(401);
        group.MapDelete("/{id}/", DeleteAsync).ProducesIconikErrors(401);
    }

    /// <summary>Lists in creation order, <c>?page=</c> (from 1) and <c>?per_page=</c> (default 10, max 1000).</summary>
    private static async Task<Results<Ok<IconikPage>, BadRequest<IconikErrors>>> ListAsync(HttpContext context, IWebhookStore store, CancellationToken ct)
    {
        if (!TryReadNumber(context.Request, "page", 1, int.MaxValue, 1, out var page, out var error)
            || !TryReadNumber(context.Request, "per_page", 1, PageRequest.MaxLimit, DefaultPerPage, out var perPage, out error))
        {
            return error!;
        }

        // One page read by offset on the (domain, id) order, and the count from the index: a page
        // costs the same with 10 or 100,000 webhooks.
        var scope = context.Caller().Scope;
        var total = await store.CountAsync(scope, ct);
        var offset = (long)(page - 1) * perPage;
        var objects = offset >= total
            ? []
            : (await store.ListAtAsync(scope, (int)offset, perPage, ct)).Select(w => IconikWebhook.From(w)).ToList();
        var pages = (int)(((long)total + perPage - 1) / perPage);
        return TypedResults.Ok(new IconikPage(objects, page, pages, perPage, total));
    }

    private static async Task<Results<Ok<IconikWebhook>, NotFound<IconikErrors>>> GetAsync(string id, HttpContext context, IWebhookStore store, CancellationToken ct)
    {
        var webhook = await store.GetAsync(id, ct);
        return webhook is not null && context.Caller().CanSee(webhook.DomainId)
            ? TypedResults.Ok(IconikWebhook.From(webhook))
            : IconikResults.NotFound();
    }

    private static async Task<Results<Created<IconikWebhook>, IconikWebhookError>> CreateAsync(HttpContext context, WebhookService service, CancellationToken ct)
    {
        var (body, error) = await ReadBodyAsync(context.Request, ct);
        if (error is not null)
        {
            return error;
        }

        var outcome = await service.CreateAsync(body, context.Caller(), ct);
        return outcome.Error is { } invalid
            ? IconikResults.From(invalid)
            : TypedResults.Created($"{Prefix}/{outcome.Webhook!.Id}/", IconikWebhook.From(outcome.Webhook, withSecret: true));
    }

    /// <summary>
    /// Changes the fields present and leaves the others as they are (null clears one), so a script
    /// that PUTs only <c>{"status": "DISABLED"}</c> cannot silently widen a webhook's filters.
    /// </summary>
    private static async Task<Results<Ok<IconikWebhook>, IconikWebhookError, NotFound<IconikErrors>>> UpdateAsync(string id, HttpContext context, WebhookService service, CancellationToken ct)
    {
        var (body, error) = await ReadBodyAsync(context.Request, ct);
        if (error is not null)
        {
            return error;
        }

        var outcome = await service.UpdateAsync(id, body, partial: true, context.Caller(), ct);
        if (outcome.Error is { } invalid)
        {
            return IconikResults.From(invalid);
        }

        return outcome.Webhook is null ? IconikResults.NotFound() : TypedResults.Ok(IconikWebhook.From(outcome.Webhook));
    }

    private static async Task<Results<NoContent, NotFound<IconikErrors>>> DeleteAsync(string id, HttpContext context, WebhookService service, CancellationToken ct) =>
        await service.DeleteAsync(id, context.Caller(), ct) ? TypedResults.NoContent() : IconikResults.NotFound();

    /// <summary>Reads the body and maps iconik's <c>system_domain_id</c> onto Herald's <c>domain_id</c>.</summary>
    private static async Task<(JsonElement Body, IconikWebhookError? Error)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return (default, IconikResults.From(error));
            }

            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (default, new IconikWebhookError(StatusCodes.Status400BadRequest, "the body must be a JSON object"));
            }

            if (!root.TryGetProperty("system_domain_id", out _) || root.TryGetProperty("domain_id", out _))
            {
                return (root.Clone(), null);
            }

            var node = JsonNode.Parse(root.GetRawText())!.AsObject();
            var domain = node["system_domain_id"];
            node.Remove("system_domain_id");
            node["domain_id"] = domain;
            return (JsonSerializer.SerializeToElement(node), null);
        }
    }

    private static bool TryReadNumber(HttpRequest request, string name, int min, int max, int fallback, out int value, out BadRequest<IconikErrors>? error)
    {
        error = null;
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            value = fallback;
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = IconikResults.BadRequest($"{name} must be a whole number from {min} to {max}");
        return false;
    }
}
