using Herald.Server.Admin;

namespace Herald.Server.Auth;

/// <summary>
/// Every <c>/api/</c> call needs <c>Authorization: Bearer &lt;key&gt;</c> or an admin UI session
/// cookie; the iconik-compatible <c>/API/</c> routes take the key in <c>Auth-Token</c>; the admin
/// UI's own <c>/ui/</c> calls take the session cookie. No valid key → 401. A request authenticated
/// by the cookie that changes anything (any method but GET, HEAD, OPTIONS) must also carry the
/// session's CSRF token in <c>X-CSRF-Token</c>, or it is refused with 403.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyAuthenticator authenticator, AdminSessions sessions)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var iconik = path.StartsWithSegments("/API", StringComparison.Ordinal);
        var ui = path.StartsWithSegments("/ui", StringComparison.OrdinalIgnoreCase);
        if (!iconik && !ui && !path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        // Signing in is the one UI call made before there is a session.
        if (ui && AdminSessionApi.IsSignIn(context.Request))
        {
            return next(context);
        }

        Caller? caller;
        if (iconik)
        {
            caller = authenticator.Authenticate(context.Request.Headers["Auth-Token"].ToString());
        }
        else if (!ui && context.Request.Headers.Authorization.Count > 0)
        {
            caller = authenticator.Authenticate(BearerToken(context.Request));
        }
        else
        {
            var session = sessions.Find(context.Request.Cookies[AdminSessions.CookieName]);
            caller = session is null ? null : authenticator.AuthenticateHash(session.KeyHash);
            if (caller is not null && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
                && !HttpMethods.IsOptions(context.Request.Method)
                && !AdminSessions.CsrfMatches(session!, context.Request.Headers[AdminSessions.CsrfHeader].ToString()))
            {
                return ApiResults.Error(403, "this request changes data and needs the session's CSRF token in the X-CSRF-Token header", "headers.X-CSRF-Token")
                    .ExecuteAsync(context);
            }

            if (caller is not null)
            {
                context.Features.Set(session!);
                if (sessions.Renew(session!) is { } renewed)
                {
                    // The idle clock lives in the cookie: a fresh value restarts it on whichever node answers.
                    context.Response.Cookies.Append(AdminSessions.CookieName, renewed, AdminSessions.CookieOptions(context.Request));
                }
            }
        }

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
