using System.Diagnostics;
using System.Net.Http.Headers;
using Herald.Core.Deliveries;
using Herald.Storage;

namespace Herald.Delivery.Tracing;

/// <summary>
/// W3C trace context on a delivered request (PRODUCT.md §4): <c>traceparent</c> of the attempt's
/// span, so a subscriber that traces sees Herald's attempt as its parent, and <c>tracestate</c>
/// when the trace carries one. The delivery client's own propagation is off, so this is the only
/// place the headers are written.
/// </summary>
internal static class TraceContextHeaders
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public static void Add(HttpRequestHeaders headers, ClaimedDelivery delivery) => Add(headers, delivery, clearCustom: true);

    /// <param name="headers">The request's headers.</param>
    /// <param name="delivery">The delivery whose stored publish context is passed on without an attempt span.</param>
    /// <param name="clearCustom">A custom header may carry these names: remove them first (known per definition).</param>
    internal static void Add(HttpRequestHeaders headers, ClaimedDelivery delivery, bool clearCustom)
    {
        if (clearCustom)
        {
            // A user-defined header of the same name never reaches the wire beside ours.
            headers.Remove(TraceParent);
            headers.Remove(TraceState);
        }

        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Source.Name: HeraldActivities.SourceName } attempt)
        {
            headers.TryAddWithoutValidation(TraceParent, attempt.Id);
            if (attempt.TraceStateString is { Length: > 0 } state)
            {
                headers.TryAddWithoutValidation(TraceState, state);
            }

            return;
        }

        // No listener, so no attempt span: pass on the publish context itself, which still puts
        // the subscriber into the publisher's trace.
        if (delivery.TraceParent is { } parent)
        {
            headers.TryAddWithoutValidation(TraceParent, parent);
            if (delivery.TraceState is { Length: > 0 } state)
            {
                headers.TryAddWithoutValidation(TraceState, state);
            }
        }
    }
}
