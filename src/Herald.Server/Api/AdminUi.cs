using Microsoft.AspNetCore.StaticFiles;

namespace Herald.Server;

/// <summary>
/// The admin UI at <c>/</c>: the static files of <c>wwwroot/</c>, embedded in the assembly so they
/// are served whatever the working directory. The page holds no secrets; the operator pastes a key,
/// which stays in the tab's sessionStorage and goes to the API as a bearer token.
/// </summary>
internal static class AdminUi
{
    private const string ResourcePrefix = "wwwroot/";

    // The page shows text from the API (names, URLs, response bodies): allow only our own files,
    // no inline script or style, no framing.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void MapAdminUi(this IEndpointRouteBuilder app)
    {
        var assembly = typeof(AdminUi).Assembly;
        var types = new FileExtensionContentTypeProvider();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var file = name[ResourcePrefix.Length..];
            var contentType = types.TryGetContentType(file, out var type) ? type : "application/octet-stream";
            var serve = (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return Results.Bytes(bytes, contentType);
            };
            app.MapGet("/" + file, serve).ExcludeFromDescription();
            if (file == "index.html")
            {
                app.MapGet("/", serve).ExcludeFromDescription();
            }
        }
    }
}
