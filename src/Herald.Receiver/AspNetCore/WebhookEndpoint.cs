using System.Globalization;
using System.Text.Json;
using Herald.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Herald.Receiver;

/// <summary>
/// The request pipeline behind <c>MapHeraldWebhook</c>: raw body → verify → parse → claim the delivery id →
/// ordering guard → handler → mark processed (or release the claim on failure).
/// </summary>
internal sealed class WebhookEndpoint(
    WebhookVerifier verifier,
    IDeliveryDeduplicationStore deduplication,
    IWebhookOrdering? ordering,
    WebhookHandler handler,
    long maxBodySize,
    ILogger logger)
{
    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var path = http.Request.Path.Value ?? "/";

        // The signature covers the exact bytes, so they are read before anything parses them.
        var body = await ReadBodyAsync(http, cancellationToken);
        if (body is null)
        {
            ReceiverLog.BadRequest(logger, path, "body too large");
            await WebhookResponses.ErrorAsync(http, StatusCodes.Status413PayloadTooLarge, "body_too_large", $"the body exceeds {maxBodySize} bytes");
            return;
        }

        var verification = verifier.Verify(http.Request.Headers, body.Value.Span);
        if (!verification.IsValid)
        {
            ReceiverLog.VerificationFailed(logger, path, verification.Failure, verification.Message);
            var status = verification.IsMalformed ? StatusCodes.Status400BadRequest : StatusCodes.Status401Unauthorized;
            await WebhookResponses.ErrorAsync(http, status, WebhookResponses.ReasonCode(verification.Failure), verification.Message);
            return;
        }

        // webhook-id is covered by the Standard signature, so it wins over the unsigned Ignite header.
        var deliveryId = FirstNonEmpty(http.Request.Headers[WebhookHeaders.Id], http.Request.Headers[WebhookHeaders.DeliveryId]);
        if (deliveryId is null)
        {
            await BadRequestAsync(http, path, "missing_delivery_id", $"missing header: {WebhookHeaders.Id} or {WebhookHeaders.DeliveryId}");
            return;
        }

        JsonElement payload;
        try
        {
            using var document = JsonDocument.Parse(body.Value);
            payload = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            await BadRequestAsync(http, path, "invalid_json", "the body is not valid JSON");
            return;
        }

        var context = new WebhookContext
        {
            DeliveryId = deliveryId,
            EventName = FirstNonEmpty(http.Request.Headers[WebhookHeaders.Event], default),
            Attempt = int.TryParse(http.Request.Headers[WebhookHeaders.Attempt], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) && attempt > 0 ? attempt : 1,
            Body = body.Value,
            Payload = payload,
            Timestamp = verification.Timestamp,
            Scheme = verification.Scheme,
            HttpContext = http,
        };

        // Selectors run before the claim: a payload they cannot read is a 400 that must not leave a mark.
        Func<Func<CancellationToken, ValueTask>, CancellationToken, ValueTask<OrderingOutcome>>? guarded;
        try
        {
            guarded = ordering?.Prepare(context);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await BadRequestAsync(http, path, "ordering_key_unreadable", "the ordering object id or version could not be read from the payload");
            return;
        }

        await ProcessAsync(http, context, guarded, cancellationToken);
    }

    private async Task ProcessAsync(
        HttpContext http,
        WebhookContext context,
        Func<Func<CancellationToken, ValueTask>, CancellationToken, ValueTask<OrderingOutcome>>? guarded,
        CancellationToken cancellationToken)
    {
        var deliveryId = context.DeliveryId;
        switch (await deduplication.TryMarkSeenAsync(deliveryId, cancellationToken))
        {
            case DeliveryMarkResult.Duplicate:
                ReceiverLog.Duplicate(logger, deliveryId);
                await WebhookResponses.StatusAsync(http, StatusCodes.Status200OK, "duplicate", deliveryId);
                return;
            case DeliveryMarkResult.InProgress:
                // Its outcome is unknown yet: a 2xx here would lose the event if that handler then failed.
                ReceiverLog.InProgress(logger, deliveryId);
                http.Response.Headers.RetryAfter = "5";
                await WebhookResponses.ErrorAsync(http, StatusCodes.Status409Conflict, "in_progress", "this delivery is being processed; retry later");
                return;
        }

        OrderingOutcome outcome;
        try
        {
            outcome = guarded is null
                ? await RunHandlerAsync(context, cancellationToken)
                : await guarded(async token => await handler(context, token), cancellationToken);
        }
        catch (Exception exception)
        {
            // Released, not marked: the sender's retry of this delivery id must reach the handler again.
            await ForgetAsync(deliveryId);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            ReceiverLog.HandlerFailed(logger, exception, deliveryId, context.Attempt);
            await WebhookResponses.ErrorAsync(http, StatusCodes.Status500InternalServerError, "handler_failed", "the handler failed; the delivery was not marked as seen");
            return;
        }

        // Marked only now, after success. Not cancellable: the work is done even if the sender hung up.
        try
        {
            await deduplication.MarkProcessedAsync(deliveryId, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // Still a success: the handler ran. The claim lapses after its timeout.
            ReceiverLog.MarkProcessedFailed(logger, exception, deliveryId);
        }

        if (outcome == OrderingOutcome.Stale)
        {
            ReceiverLog.Stale(logger, deliveryId);
            await WebhookResponses.StatusAsync(http, StatusCodes.Status200OK, "stale", deliveryId);
            return;
        }

        ReceiverLog.Processed(logger, deliveryId, context.Attempt);
        await WebhookResponses.StatusAsync(http, StatusCodes.Status200OK, "processed", deliveryId);
    }

    private async ValueTask<OrderingOutcome> RunHandlerAsync(WebhookContext context, CancellationToken cancellationToken)
    {
        await handler(context, cancellationToken);
        return OrderingOutcome.Applied;
    }

    private async Task ForgetAsync(string deliveryId)
    {
        try
        {
            await deduplication.ForgetAsync(deliveryId, CancellationToken.None);
        }
        catch (Exception exception)
        {
            ReceiverLog.ForgetFailed(logger, exception, deliveryId);
        }
    }

    private Task BadRequestAsync(HttpContext http, string path, string reason, string message)
    {
        ReceiverLog.BadRequest(logger, path, message);
        return WebhookResponses.ErrorAsync(http, StatusCodes.Status400BadRequest, reason, message);
    }

    /// <summary>Reads the whole body, or returns null when it exceeds the limit.</summary>
    private async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > maxBodySize)
        {
            return null;
        }

        // Let our own limit govern, rather than the server's default one.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBodySize + 1;
        }

        using var buffer = new MemoryStream(http.Request.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBodySize)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static string? FirstNonEmpty(Microsoft.Extensions.Primitives.StringValues first, Microsoft.Extensions.Primitives.StringValues second)
    {
        var value = first.Count > 0 ? first[0] : null;
        if (string.IsNullOrWhiteSpace(value))
        {
            value = second.Count > 0 ? second[0] : null;
        }

        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
