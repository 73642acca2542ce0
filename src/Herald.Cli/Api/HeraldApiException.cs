using System.Net;

namespace Herald.Cli.Api;

/// <summary>Herald answered with an error status. 4xx maps to exit 1, 5xx to exit 3.</summary>
internal sealed class HeraldApiException(HttpStatusCode status, string reason, string? path, int? position, string body)
    : CliException((int)status >= 500 ? ExitCodes.Unavailable : ExitCodes.ApiError, $"{(int)status} {reason}")
{
    /// <summary>Herald's message without the status code.</summary>
    public string Reason { get; } = reason;

    public HttpStatusCode Status { get; } = status;

    /// <summary>The JSON path of the offending field (<c>{"error":{"path"}}</c>), when Herald named one.</summary>
    public string? Path { get; } = path;

    /// <summary>The 1-based column of a query error, when Herald gave one.</summary>
    public int? Position { get; } = position;

    /// <summary>The response body exactly as received, for <c>--json</c>.</summary>
    public string Body { get; } = body;
}
