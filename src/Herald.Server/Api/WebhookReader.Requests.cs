using System.Text.Json;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Signing;

namespace Herald.Server;

/// <summary>The request-shaping fields of a webhook body: custom headers, timeout and retry schedule.</summary>
internal sealed partial class WebhookReader
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        WebhookHeaders.Id, WebhookHeaders.Timestamp, WebhookHeaders.Signature, WebhookHeaders.DeliveryId,
        WebhookHeaders.Event, WebhookHeaders.IgniteSignature, WebhookHeaders.Attempt,
        "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection",
        "traceparent", "tracestate",
    };

    private static FieldError? ReadHeaders(JsonElement body, ref Webhook w)
    {
        if (!body.TryGetProperty("headers", out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            w = w with { Headers = new Dictionary<string, string>() };
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return new FieldError("headers must be an object of header names to string values", "headers");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in value.EnumerateObject())
        {
            var path = $"headers.{header.Name}";
            if (headers.Count == WebhookLimits.MaxHeaders)
            {
                return new FieldError($"at most {WebhookLimits.MaxHeaders} custom headers are allowed", "headers");
            }

            if (!HeaderValue.IsToken(header.Name))
            {
                return new FieldError($"'{header.Name}' is not a valid header name", path);
            }

            if (Reserved.Contains(header.Name) || header.Name.StartsWith("webhook-", StringComparison.OrdinalIgnoreCase))
            {
                return new FieldError($"header '{header.Name}' is set by Herald and cannot be overridden", path);
            }

            if (header.Value.ValueKind != JsonValueKind.String || header.Value.GetString() is not { } text)
            {
                return new FieldError($"header '{header.Name}' must have a string value", path);
            }

            if (HeaderValue.Problem(text) is { } problem)
            {
                return new FieldError($"header '{header.Name}' {problem}", path);
            }

            if (!headers.TryAdd(header.Name, text))
            {
                return new FieldError($"header '{header.Name}' is given twice", path);
            }
        }

        w = w with { Headers = headers };
        return null;
    }

    private static FieldError? ReadRetry(JsonElement body, ref Webhook w)
    {
        if (body.TryGetProperty("timeout_seconds", out var timeout) && timeout.ValueKind != JsonValueKind.Null)
        {
            if (!timeout.TryReadInt32(out var seconds) || seconds < 1 || seconds > WebhookLimits.MaxTimeoutSeconds)
            {
                return new FieldError($"timeout_seconds must be a whole number from 1 to {WebhookLimits.MaxTimeoutSeconds}", "timeout_seconds");
            }

            w = w with { TimeoutSeconds = seconds };
        }

        if (!body.TryGetProperty("retry_schedule", out var schedule))
        {
            return null;
        }

        if (schedule.ValueKind == JsonValueKind.Null)
        {
            w = w with { RetrySchedule = null };
            return null;
        }

        if (schedule.ValueKind != JsonValueKind.Array || schedule.GetArrayLength() > WebhookLimits.MaxRetryAttempts)
        {
            return new FieldError($"retry_schedule must be an array of at most {WebhookLimits.MaxRetryAttempts} delays in seconds", "retry_schedule");
        }

        var delays = new List<int>();
        var index = 0;
        foreach (var item in schedule.EnumerateArray())
        {
            if (!item.TryReadInt32(out var delay) || delay < 0 || delay > WebhookLimits.MaxRetryDelaySeconds)
            {
                return new FieldError($"each retry delay must be a whole number of seconds from 0 to {WebhookLimits.MaxRetryDelaySeconds}", $"retry_schedule[{index}]");
            }

            delays.Add(delay);
            index++;
        }

        w = w with { RetrySchedule = delays };
        return null;
    }
}
