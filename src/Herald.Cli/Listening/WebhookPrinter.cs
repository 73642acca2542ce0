using System.Text;
using System.Text.Json;
using Herald.Cli.Output;
using Herald.Receiver;

namespace Herald.Cli.Listening;

/// <summary>
/// Prints what <c>herald listen</c> receives: a header block and the pretty body for people, or one JSON
/// object per line (NDJSON) with <c>--json</c>. Requests may arrive concurrently; each is printed whole.
/// </summary>
internal sealed class WebhookPrinter(TextWriter output, bool json)
{
    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task PrintAsync(ReceivedWebhook webhook, CancellationToken cancellationToken)
    {
        var text = json ? JsonLine(webhook) : Block(webhook);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await output.WriteAsync(text);
            await output.FlushAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>"verified (standard)", "INVALID no_matching_signature: ...", or "not checked (no --secret)".</summary>
    public static string Describe(WebhookVerificationResult? verification) =>
        verification is null ? "not checked (no --secret)"
        : verification.IsValid ? $"verified ({SchemeName(verification.Scheme)})"
        : $"INVALID {ReasonCode(verification.Failure)}: {verification.Message}";

    private static string Block(ReceivedWebhook webhook)
    {
        var text = new StringBuilder();
        text.Append(webhook.Method).Append(' ').Append(webhook.Path).Append("  ")
            .Append(webhook.ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture))
            .Append("  -> ").Append(webhook.AnsweredStatus).Append('\n');
        Field(text, "event", webhook.EventName);
        Field(text, "delivery", webhook.DeliveryId);
        Field(text, "attempt", webhook.Attempt);
        Field(text, "signature", Describe(webhook.Verification));
        text.Append(PrettyBody(webhook.Body.Span)).Append("\n\n");
        return text.ToString();
    }

    private static void Field(StringBuilder text, string label, string? value) =>
        text.Append("  ").Append((label + ":").PadRight(11)).Append(string.IsNullOrEmpty(value) ? JsonText.None : value).Append('\n');

    private static string PrettyBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return "(empty body)";
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return JsonSerializer.Serialize(document.RootElement, OutputWriter.Pretty);
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(body);
        }
    }

    private static string JsonLine(ReceivedWebhook webhook)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("received_at", webhook.ReceivedAt.UtcDateTime);
            writer.WriteString("method", webhook.Method);
            writer.WriteString("path", webhook.Path);
            writer.WriteString("event", webhook.EventName);
            writer.WriteString("delivery_id", webhook.DeliveryId);
            if (int.TryParse(webhook.Attempt, System.Globalization.CultureInfo.InvariantCulture, out var attempt))
            {
                writer.WriteNumber("attempt", attempt);
            }
            else
            {
                writer.WriteNull("attempt");
            }

            writer.WriteStartObject("verification");
            var verification = webhook.Verification;
            writer.WriteBoolean("checked", verification is not null);
            writer.WriteBoolean("valid", verification?.IsValid ?? false);
            writer.WriteString("scheme", verification is { IsValid: true } ? SchemeName(verification.Scheme) : null);
            writer.WriteString("failure", verification is { IsValid: false } ? ReasonCode(verification.Failure) : null);
            writer.WriteString("message", Describe(verification));
            writer.WriteEndObject();
            writer.WriteNumber("status", webhook.AnsweredStatus);
            writer.WritePropertyName("body");
            WriteBody(writer, webhook.Body);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteBody(Utf8JsonWriter writer, ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteStringValue(Encoding.UTF8.GetString(body.Span));
        }
    }

    private static string SchemeName(WebhookSignatureSchemes scheme) => scheme switch
    {
        WebhookSignatureSchemes.Standard => "standard",
        WebhookSignatureSchemes.Ignite => "ignite",
        _ => "none",
    };

    private static string ReasonCode(WebhookVerificationFailure failure) => JsonNamingPolicy.SnakeCaseLower.ConvertName(failure.ToString());
}
