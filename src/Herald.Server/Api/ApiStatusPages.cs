namespace Herald.Server;

/// <summary>
/// Errors that routing answers before any endpoint runs — an unknown route (404) or a known route
/// with the wrong method (405) — get a JSON body like every other API error: Herald's
/// <c>{"error": {...}}</c> under <c>/api/</c>, iconik's <c>{"errors": [...]}</c> under <c>/API/</c>.
/// Responses that already carry a body are left alone.
/// </summary>
internal static class ApiStatusPages
{
    public static void UseApiStatusPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(context => WriteAsync(context.HttpContext));

    private static Task WriteAsync(HttpContext http)
    {
        var request = http.Request;
        var iconik = request.Path.StartsWithSegments("/API", StringComparison.Ordinal);
        if (!iconik && !request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return Task.CompletedTask;
        }

        var status = http.Response.StatusCode;
        var (message, path) = status switch
        {
            StatusCodes.Status404NotFound => ($"there is no route {request.Path}", "url"),
            StatusCodes.Status405MethodNotAllowed => (
                $"{request.Method} is not allowed on {request.Path}" + (http.Response.Headers.Allow.ToString() is { Length: > 0 } allow ? $"; allowed: {allow}" : string.Empty),
                "method"),
            _ => (Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), (string?)null),
        };
        return (iconik ? IconikResults.Errors(status, message) : ApiResults.Error(status, message, path)).ExecuteAsync(http);
    }
}
