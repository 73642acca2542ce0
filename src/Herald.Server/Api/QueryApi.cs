using System.Text.Json;
using Herald.Query;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

internal static class QueryApi
{
    public static void MapQueryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/query").WithTags("Query");
        group.MapPost("/validate", ValidateAsync).AcceptsJson<QueryRequest>().ProducesErrors(401);
        group.MapPost("/test", TestAsync).AcceptsJson<QueryTestRequest>().ProducesErrors(401);
    }

    private static async Task<Results<Ok<QueryValidation>, BadRequest<ApiResults.ErrorBody>, PayloadTooLarge>> ValidateAsync(HttpContext context, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return error.TooLarge is { } tooLarge ? tooLarge : error.BadRequest!;
            }

            if (!TryReadQuery(document!.RootElement, out var text, out var invalidQuery))
            {
                return invalidQuery!;
            }

            return TypedResults.Ok(!QueryCompiler.TryCompile(text, out _, out var invalid)
                ? new QueryValidation(false, new QueryErrorDetail(invalid.Message, invalid.Position))
                : new QueryValidation(true, null));
        }
    }

    private static async Task<Results<Ok<QueryTestResult>, BadRequest<ApiResults.ErrorBody>, PayloadTooLarge>> TestAsync(HttpContext context, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return error.TooLarge is { } tooLarge ? tooLarge : error.BadRequest!;
            }

            var root = document!.RootElement;
            if (!TryReadQuery(root, out var text, out var invalidQuery))
            {
                return invalidQuery!;
            }

            if (!root.TryGetProperty("event", out var evt) || evt.ValueKind != JsonValueKind.Object)
            {
                return ApiResults.BadRequest("event is required and must be an object", "event");
            }

            if (!QueryCompiler.TryCompile(text, out var query, out var invalid))
            {
                return TypedResults.BadRequest(new ApiResults.ErrorBody(new ApiResults.ErrorDetail(invalid!.Message, "query", invalid.Position)));
            }

            return TypedResults.Ok(new QueryTestResult(query!.Matches(evt)));
        }
    }

    private static bool TryReadQuery(JsonElement root, out string text, out BadRequest<ApiResults.ErrorBody>? error)
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
