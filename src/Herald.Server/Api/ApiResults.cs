using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Herald.Server;

/// <summary>
/// The error shape of PRODUCT.md: <c>{"error": {"message", "path"}}</c>, as typed results, so a
/// handler's <c>Results&lt;…&gt;</c> return type tells the OpenAPI document every status it answers.
/// All of them write through the same JSON options as <c>Results.Json</c> did, so the bytes are unchanged.
/// </summary>
internal static class ApiResults
{
    /// <summary>For the handlers that still return <c>IResult</c> (admin session, status pages).</summary>
    public static IResult Error(int status, string message, string? path = null) =>
        TypedResults.Json(Body(message, path), statusCode: status);

    public static BadRequest<ErrorBody> BadRequest(string message, string? path) => TypedResults.BadRequest(Body(message, path));

    public static NotFound<ErrorBody> NotFound(string what) => TypedResults.NotFound(Body($"{what} not found", null));

    public static Conflict<ErrorBody> Conflict(string message) => TypedResults.Conflict(Body(message, null));

    public static Forbidden Forbidden(string message, string? path) => new(Body(message, path));

    public static PayloadTooLarge PayloadTooLarge(string message) => new(Body(message, null));

    private static ErrorBody Body(string message, string? path) => new(new ErrorDetail(message, path));

    public sealed record ErrorBody(ErrorDetail Error);

    /// <summary><c>position</c> (a column in a query) appears only on query errors.</summary>
    public sealed record ErrorDetail(
        string Message,
        string? Path,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Position = null);
}

/// <summary>A JSON body with a fixed status that has no built-in typed result.</summary>
internal abstract class JsonStatusResult<TValue>(TValue value, int statusCode) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<TValue>
{
    public TValue Value { get; } = value;

    public int StatusCode { get; } = statusCode;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    object? IValueHttpResult.Value => Value;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Json(Value, statusCode: StatusCode).ExecuteAsync(httpContext);

    protected static void Describe(EndpointBuilder builder, int statusCode) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(statusCode, typeof(TValue), ["application/json"]));
}

/// <summary>403 with Herald's error body.</summary>
internal sealed class Forbidden(ApiResults.ErrorBody body) : JsonStatusResult<ApiResults.ErrorBody>(body, StatusCodes.Status403Forbidden), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status403Forbidden);
}

/// <summary>413 with Herald's error body.</summary>
internal sealed class PayloadTooLarge(ApiResults.ErrorBody body) : JsonStatusResult<ApiResults.ErrorBody>(body, StatusCodes.Status413PayloadTooLarge), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status413PayloadTooLarge);
}

/// <summary>503 with a JSON body.</summary>
internal sealed class ServiceUnavailable<TValue>(TValue value) : JsonStatusResult<TValue>(value, StatusCodes.Status503ServiceUnavailable), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status503ServiceUnavailable);
}
