using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Herald.Core.Webhooks;

namespace Herald.Server;

/// <summary>A webhook as iconik's WebhookSchema shows it.</summary>
internal sealed record IconikWebhook(
    string Id,
    string? Name,
    string? Description,
    string Url,
    string EventType,
    string? Realm,
    string? Operation,
    string? ObjectId,
    string Status,
    string? Query,
    IReadOnlyDictionary<string, string> Headers,
    string? SystemDomainId,
    DateTime DateCreated,
    DateTime DateModified,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret)
{
    /// <summary>The secret appears only on create: iconik has none, but a subscriber needs it to verify.</summary>
    public static IconikWebhook From(Webhook w, bool withSecret = false) => new(
        w.Id, w.Name, w.Description, w.Url, w.EventType, w.Realm, w.Operation, w.ObjectId, w.Status.ToWire(), w.Query, w.Headers,
        w.DomainId, w.DateCreated.UtcDateTime, w.DateModified.UtcDateTime, withSecret ? w.Secrets.FirstOrDefault()?.Secret : null);
}

/// <summary>iconik's paged list: the objects plus page, pages, per_page and total.</summary>
internal sealed record IconikPage(IReadOnlyList<IconikWebhook> Objects, int Page, int Pages, int PerPage, int Total);

/// <summary>iconik's error shape: <c>{"errors": ["..."]}</c>.</summary>
internal sealed record IconikErrors(IReadOnlyList<string> Errors);

internal static class IconikResults
{
    public static IResult Errors(int status, string message) => TypedResults.Json(new IconikErrors([message]), statusCode: status);

    public static BadRequest<IconikErrors> BadRequest(string message) => TypedResults.BadRequest(new IconikErrors([message]));

    public static NotFound<IconikErrors> NotFound() => TypedResults.NotFound(new IconikErrors(["webhook not found"]));

    /// <summary>iconik's errors are bare strings, so the field is named in the text when the message lacks it.</summary>
    public static IconikWebhookError From(FieldError error)
    {
        // iconik calls the domain system_domain_id (the routes map it onto Herald's domain_id).
        if (error.Path == "domain_id" && !error.Message.Contains("system_domain_id", StringComparison.Ordinal))
        {
            error = error with { Path = "system_domain_id", Message = error.Message.Replace("domain_id", "system_domain_id", StringComparison.Ordinal) };
        }

        return new(error.Status, error.Path == "$" || error.Message.Contains(error.Path, StringComparison.Ordinal) ? error.Message : $"{error.Path}: {error.Message}");
    }

    /// <summary>Re-shapes a <see cref="JsonBody"/> error (400, 413) as iconik's.</summary>
    public static IconikWebhookError From(BodyError error)
    {
        var (status, body) = error.TooLarge is { } tooLarge ? (tooLarge.StatusCode, tooLarge.Value) : (StatusCodes.Status400BadRequest, error.BadRequest!.Value!);
        return new(status, body.Error.Path is null or "$" ? body.Error.Message : $"{body.Error.Path}: {body.Error.Message}");
    }
}

/// <summary>
/// A webhook body iconik's routes refused, in iconik's shape: 400 (bad JSON or field), 403 (another
/// domain), 409 (domain full, conflicting edit) or 413 (too large).
/// </summary>
internal sealed class IconikWebhookError(int status, string message) : IResult, IStatusCodeHttpResult, IValueHttpResult<IconikErrors>, IValueHttpResult, IEndpointMetadataProvider
{
    public IconikErrors Value { get; } = new([message]);

    public int? StatusCode { get; } = status;

    object? IValueHttpResult.Value => Value;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Json(Value, statusCode: StatusCode).ExecuteAsync(httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        foreach (var code in (int[])[StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge])
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(code, typeof(IconikErrors), ["application/json"]));
        }
    }
}
