namespace Herald.Server;

/// <summary>The error shape of PRODUCT.md: <c>{"error": {"message", "path"}}</c>.</summary>
internal static class ApiResults
{
    public static IResult Error(int status, string message, string? path = null) =>
        Results.Json(new ErrorBody(new ErrorDetail(message, path)), statusCode: status);

    public static IResult BadRequest(string message, string? path) => Error(400, message, path);

    public static IResult NotFound(string what) => Error(404, $"{what} not found");

    public sealed record ErrorBody(ErrorDetail Error);

    public sealed record ErrorDetail(string Message, string? Path);
}
