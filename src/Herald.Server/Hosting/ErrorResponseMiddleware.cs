using Herald.Storage;

namespace Herald.Server.Hosting;

/// <summary>
/// The last word on exceptions a route lets through: a storage failure (disk full, read-only
/// database, I/O error) answers <c>503</c> with <c>Retry-After</c>, anything else <c>500</c>; both
/// with a JSON error in the route's shape (iconik's <c>{"errors": [...]}</c> under <c>/API/</c>) and
/// never the exception's text, which may name files.
/// </summary>
internal sealed partial class ErrorResponseMiddleware(RequestDelegate next, ILogger<ErrorResponseMiddleware> logger)
{
    /// <summary>Seconds a client should wait before retrying after a 503.</summary>
    public const int RetryAfterSeconds = 5;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            int status;
            string message;
            if (StorageFailures.IsUnavailable(ex, out var reason))
            {
                Log.StorageUnavailable(logger, context.Request.Method, context.Request.Path, reason, ex);
                status = StatusCodes.Status503ServiceUnavailable;
                message = $"storage is unavailable ({reason}); nothing was stored, retry later";
                context.Response.Clear();
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (ex is BadHttpRequestException bad)
            {
                // Kestrel's own refusals (a body over its limit, a malformed request body) are the client's.
                status = bad.StatusCode;
                message = $"the request is invalid: {bad.Message}";
                context.Response.Clear();
            }
            else
            {
                Log.Unhandled(logger, context.Request.Method, context.Request.Path, ex);
                status = StatusCodes.Status500InternalServerError;
                message = "internal error; see the server log";
                context.Response.Clear();
            }

            var result = context.Request.Path.StartsWithSegments("/API", StringComparison.Ordinal)
                ? IconikResults.Errors(status, message)
                : ApiResults.Error(status, message);
            await result.ExecuteAsync(context);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: storage is unavailable ({Reason})")]
        public static partial void StorageUnavailable(ILogger logger, string method, PathString path, string reason, Exception exception);

        [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "{Method} {Path} failed with an unhandled exception; answered 500")]
        public static partial void Unhandled(ILogger logger, string method, PathString path, Exception exception);
    }
}
