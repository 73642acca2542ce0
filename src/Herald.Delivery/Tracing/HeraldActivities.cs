using System.Diagnostics;
using Herald.Core.Deliveries;
using Herald.Delivery.Http;
using Herald.Storage;

namespace Herald.Delivery.Tracing;

/// <summary>
/// Herald's spans on the <c>Herald</c> activity source: <c>publish</c> → <c>match</c> → <c>store</c>
/// for a publish, and one <c>deliver</c> span per attempt whose parent is the publish span stored
/// with the event, so retries hours later still join the publisher's trace. Tags carry ids, counts
/// and status codes only: never payloads, headers or credentials. Without a listener nothing is
/// allocated: <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null.
/// </summary>
public static class HeraldActivities
{
    public const string SourceName = "Herald";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Starts the span of one attempt as a child of the event's stored publish context (or a new
    /// root when the event has none: never the ambient span of whatever started the slot).
    /// </summary>
    public static Activity? StartAttempt(ClaimedDelivery delivery, int attempt)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(delivery.TraceParent, delivery.TraceState, isRemote: true, out var parent);
        Activity.Current = null;
        var activity = Source.StartActivity("deliver", ActivityKind.Client, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("herald.webhook.id", delivery.WebhookId);
            activity.SetTag("herald.delivery.id", delivery.Id);
            activity.SetTag("herald.event.id", delivery.EventId);
            activity.SetTag("herald.attempt", attempt);
        }

        return activity;
    }

    /// <summary>Records an attempt's outcome on its span (status code, error class) and its end time.</summary>
    public static void Attempted(Activity? activity, SendResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            if (result.StatusCode is { } status)
            {
                activity.SetTag("http.response.status_code", status);
            }

            activity.SetTag("herald.attempt.outcome", HeraldOutcome(result));
        }

        if (!result.Succeeded)
        {
            // The error text names the status, timeout or connection failure; it holds no payload.
            activity.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        // The span measures the attempt; it stays current (and is stopped by its owner) while the
        // attempt is logged and recorded, so those logs carry its ids.
        activity.SetEndTime(DateTime.UtcNow);
    }

    /// <summary>The attempt outcome, as the <c>herald.attempts</c> counter labels it.</summary>
    public static string HeraldOutcome(SendResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Succeeded ? "succeeded" : result.TimedOut ? "timeout" : result.StatusCode is null ? "error" : "failed";
    }

    /// <summary>The W3C <c>traceparent</c> of <paramref name="activity"/>, or null when it is not a W3C span.</summary>
    public static string? TraceParentOf(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C } ? activity.Id : null;
}
