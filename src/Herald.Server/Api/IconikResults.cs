using System.Text.Json.Serialization;
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
    public static IResult Errors(int status, string message) => Results.Json(new IconikErrors([message]), statusCode: status);

    /// <summary>iconik's errors are bare strings, so the field is named in the text when the message lacks it.</summary>
    public static IResult From(FieldError error)
    {
        // iconik calls the domain system_domain_id (the routes map it onto Herald's domain_id).
        if (error.Path == "domain_id" && !error.Message.Contains("system_domain_id", StringComparison.Ordinal))
        {
            error = error with { Path = "system_domain_id", Message = error.Message.Replace("domain_id", "system_domain_id", StringComparison.Ordinal) };
        }

        return Errors(error.Status, error.Path == "$" || error.Message.Contains(error.Path, StringComparison.Ordinal) ? error.Message : $"{error.Path}: {error.Message}");
    }

    /// <summary>Re-shapes an error of a shared helper (e.g. <see cref="JsonBody"/>: 400, 413) as iconik's.</summary>
    public static IResult From(IResult error) =>
        error is IValueHttpResult { Value: ApiResults.ErrorBody body } and IStatusCodeHttpResult { StatusCode: { } status }
            ? Errors(status, body.Error.Path is null or "$" ? body.Error.Message : $"{body.Error.Path}: {body.Error.Message}")
            : error;

    public static IResult NotFound() => Errors(StatusCodes.Status404NotFound, "webhook not found");
}
