using System.Text.Json;
using Herald.Query;

namespace Herald.Server;

internal static class QueryApi
{
    public static void MapQueryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/query").WithTags("Query");
        group.MapPost("/validate", ValidateAsync).AcceptsJson<QueryRequest>().Produces<QueryValidation>().ProducesErrors(400, 401);
        group.MapPost("/test", TestAsync).AcceptsJson<QueryTestRequest>().Produces<QueryTestResult>().Produces<QueryErrorBody>(400).ProducesErrors(401);
    }

    private static async Task<IResult> ValidateAsync(HttpContext context, CancellationToken ct)
    {
        var (document, _, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return error;
            }

            if (!TryReadQuery(document!.RootElement, out var text, out error))
            {
                return error!;
            }

            return !QueryCompiler.TryCompile(text, out _, out var invalid)
                ? Results.Ok(new { valid = false, error = new { message = invalid.Message, position = invalid.Position } })
                : Results.Ok(new { valid = true });
        }
    }

    private static async Task<IResult> TestAsync(HttpContext context, CancellationToken ct)
    {
        var (document, _, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return error;
            }

            var root = document!.RootElement;
            if (!TryReadQuery(root, out var text, out error))
            {
                return error!;
            }

            if (!root.TryGetProperty("event", out var evt) || evt.ValueKind != JsonValueKind.Object)
            {
                return ApiResults.BadRequest("event is required and must be an object", "event");
            }

            if (!QueryCompiler.TryCompile(text, out var query, out var invalid))
            {
                return Results.BadRequest(new { error = new { message = invalid!.Message, path = "query", position = invalid.Position } });
            }

            return Results.Ok(new { matches = query!.Matches(evt) });
        }
    }

    private static bool TryReadQuery(JsonElement root, out string text, out IResult? error)
    {
        text = string.Empty;
        error = null;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("query", out var value) || value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            error = ApiResults.BadRequest("query is required and must be a string", "query");
            return false;
        }

        text = value.GetString() ?? string.Empty;
        return true;
    }
}
