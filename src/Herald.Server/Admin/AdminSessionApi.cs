using System.Text.Json;
using Herald.Server.Auth;

namespace Herald.Server.Admin;

/// <summary>
/// Admin UI sign-in and sign-out: an API key is exchanged for an HTTP-only, SameSite=Strict session
/// cookie; the page learns the session's CSRF token from <c>GET /ui/session</c> (readable only by
/// same-origin script) and sends it with every change.
/// </summary>
internal static class AdminSessionApi
{
    private const string SessionPath = "/ui/session";

    public static void MapAdminSessionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(SessionPath, SignInAsync).ExcludeFromDescription();
        app.MapGet(SessionPath, Current).ExcludeFromDescription();
        app.MapDelete(SessionPath, SignOut).ExcludeFromDescription();
    }

    /// <summary>Whether the request is the sign-in, which the auth middleware lets through without a session.</summary>
    public static bool IsSignIn(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals(SessionPath, StringComparison.OrdinalIgnoreCase);

    private static async Task<IResult> SignInAsync(HttpContext context, ApiKeyAuthenticator authenticator, AdminSessions sessions, CancellationToken ct)
    {
        // A cross-site page cannot send JSON without a preflight Herald never grants, and a browser
        // names the page's origin: both keep another site from signing a visitor in with its key.
        if (!context.Request.HasJsonContentType())
        {
            return ApiResults.Error(415, "sign in with a JSON body: {\"key\": \"hk_...\"}", "$");
        }

        if (!SameOrigin(context.Request))
        {
            return ApiResults.Error(403, "sign-in is accepted only from Herald's own page", "headers.Origin");
        }

        var (document, error) = await JsonBody.ReadAsync(context.Request, 16 * 1024, ct);
        using (document)
        {
            if (error is not null)
            {
                return error.Result;
            }

            var root = document!.RootElement;
            var key = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("key", out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!.Trim()
                : null;
            if (string.IsNullOrEmpty(key))
            {
                return ApiResults.BadRequest("key is required", "key");
            }

            var caller = authenticator.Authenticate(key);
            if (caller is null)
            {
                return ApiResults.Error(401, "this API key is not valid", "key");
            }

            var (cookie, session) = sessions.Open(key);
            context.Response.Cookies.Append(AdminSessions.CookieName, cookie, AdminSessions.CookieOptions(context.Request));
            return Results.Ok(SessionResponse.From(caller, session));
        }
    }

    private static IResult Current(HttpContext context) =>
        context.Features.Get<AdminSession>() is { } session
            ? Results.Ok(SessionResponse.From(context.Caller(), session))
            : ApiResults.Error(401, "not signed in");

    private static IResult SignOut(HttpContext context, AdminSessions sessions)
    {
        sessions.Close(context.Request.Cookies[AdminSessions.CookieName]);
        context.Response.Cookies.Delete(AdminSessions.CookieName, AdminSessions.CookieOptions(context.Request));
        return Results.NoContent();
    }

    private static bool SameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0 || (Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase));
    }

    private sealed record SessionResponse(string KeyId, bool Admin, string? DomainId, string CsrfToken, DateTime ExpiresAt)
    {
        public static SessionResponse From(Caller caller, AdminSession session) =>
            new(caller.KeyId, caller.IsAdmin, caller.DomainId, session.CsrfToken, (session.CreatedAt + AdminSessions.Lifetime).UtcDateTime);
    }
}
