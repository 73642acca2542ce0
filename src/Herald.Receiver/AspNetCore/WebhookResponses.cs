using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Herald.Receiver;

/// <summary>The small JSON answers of the webhook endpoint.</summary>
internal static class WebhookResponses
{
    /// <summary><c>{"status": "...", "delivery_id": "..."}</c> for a handled, duplicate or stale delivery.</summary>
    public static Task StatusAsync(HttpContext http, int statusCode, string status, string deliveryId) =>
        WriteAsync(http, statusCode, writer =>
        {
            writer.WriteString("status", status);
            writer.WriteString("delivery_id", deliveryId);
        });

    /// <summary><c>{"error": {"reason": "...", "message": "..."}}</c>.</summary>
    public static Task ErrorAsync(HttpContext http, int statusCode, string reason, string message) =>
        WriteAsync(http, statusCode, writer =>
        {
            writer.WriteStartObject("error");
            writer.WriteString("reason", reason);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        });

    /// <summary>The reason code of a verification failure, e.g. <c>no_matching_signature</c>.</summary>
    public static string ReasonCode(WebhookVerificationFailure failure) =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(failure.ToString());

    private static async Task WriteAsync(HttpContext http, int statusCode, Action<Utf8JsonWriter> body)
    {
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        await http.Response.BodyWriter.FlushAsync();
    }
}
