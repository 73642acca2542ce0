namespace Herald.Server.Auth;

/// <summary>
/// Every <c>/api/</c> call needs <c>Authorization: Bearer &lt;key&gt;</c>; the iconik-compatible
/// <c>/API/</c> routes take the key in <c>Auth-Token</c>. No valid key → 401.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyAuthenticator authenticator)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var iconik = path.StartsWithSegments("/API", StringComparison.Ordinal);
        if (!iconik && !path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        var caller = authenticator.Authenticate(iconik ? context.Request.Headers["Auth-Token"].ToString() : BearerToken(context.Request));
        if (caller is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return iconik
                ? Results.Json(new { errors = new[] { "Authentication required: a valid Auth-Token header" } }, statusCode: 401).ExecuteAsync(context)
                : ApiResults.Error(401, "a valid API key is required: Authorization: Bearer <key>", "headers.Authorization").ExecuteAsync(context);
        }

        context.Features.Set(caller);
        return next(context);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}

internal static class CallerExtensions
{
    public static Caller Caller(this HttpContext context) =>
        context.Features.Get<Caller>() ?? throw new InvalidOperationException("no authenticated caller");
}
