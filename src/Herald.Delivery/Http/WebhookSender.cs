using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Auth;
using Herald.Delivery.Payload;

namespace Herald.Delivery.Http;

/// <summary>
/// Sends one attempt over the shared, pooled client and turns every outcome into a
/// <see cref="SendResult"/>: shapes and signs the body, adds credentials, and for OAuth2 answers
/// a 401 by fetching a fresh token and sending once more within the same attempt.
/// </summary>
public sealed class WebhookSender(HttpClient client, OutboundAuthenticator authenticator, PayloadShaperCache shapers, TimeProvider time)
{
    /// <summary>How much of a response body the attempt log keeps.</summary>
    public const int ResponseBodyLimit = 4096;

    private const int MaxErrorLength = 512;

    public async Task<SendResult> SendAsync(Webhook webhook, ClaimedDelivery delivery, int attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(delivery);
        var started = Stopwatch.GetTimestamp();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(TimeSpan.FromSeconds(webhook.TimeoutSeconds));
        try
        {
            var body = shapers.For(webhook).Shape(delivery.Body);
            var authorization = await authenticator.AuthorizationAsync(webhook, timer.Token);
            var result = await SendOnceAsync(webhook, delivery, attempt, body, authorization, started, timer.Token);
            if (result.StatusCode == 401 && webhook.Auth is { Type: WebhookAuth.OAuth2 } oauth && authorization is not null)
            {
                authenticator.Tokens.Invalidate(webhook.Id, oauth, authorization["Bearer ".Length..]);
                authorization = await authenticator.AuthorizationAsync(webhook, timer.Token);
                result = await SendOnceAsync(webhook, delivery, attempt, body, authorization, started, timer.Token);
            }

            return result;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Every way an attempt can end becomes a result, so it is recorded and retried on the
            // schedule: an exception let through would leave the delivery leased and uncounted.
            // Only shutdown (the caller's token) is passed on.
            return timer.IsCancellationRequested
                ? Failure($"timed out after {webhook.TimeoutSeconds} s", started, timedOut: true)
                : Failure(Describe(ex), started);
        }
    }

    private async Task<SendResult> SendOnceAsync(Webhook webhook, ClaimedDelivery delivery, int attempt, ReadOnlyMemory<byte> body, string? authorization, long started, CancellationToken cancellationToken)
    {
        using var request = WebhookRequestFactory.Create(webhook, delivery, attempt, time.GetUtcNow(), body, authorization);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        string? text;
        try
        {
            text = await ReadPrefixAsync(response.Content, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The headers came, then the body broke off (reset, closed early, bad chunked framing):
            // the receiver's answer is incomplete, so the attempt failed whatever its status said.
            return new SendResult(status, Clip($"HTTP {status}, then {Describe(ex)}"), null, Stopwatch.GetElapsedTime(started), RetryAfter(response), TimedOut: false);
        }

        var ok = status is >= 200 and < 300;
        return new SendResult(status, ok ? null : $"HTTP {status}", text, Stopwatch.GetElapsedTime(started), RetryAfter(response), TimedOut: false);
    }

    private static SendResult Failure(string error, long started, bool timedOut = false) =>
        new(null, error, null, Stopwatch.GetElapsedTime(started), null, timedOut);

    private static string Describe(Exception ex)
    {
        if (ex is TokenRequestException)
        {
            // Already says which request failed and how.
            return Clip(ex.Message);
        }

        // The SSRF guard's refusal is the most useful message; find it under the handler's wrapping.
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException && inner.Message.StartsWith("refused by the SSRF guard", StringComparison.Ordinal))
            {
                return inner.Message;
            }

            if (inner is SocketException socket)
            {
                return $"connection failed: {socket.SocketErrorCode} ({socket.Message})";
            }
        }

        return ex switch
        {
            HttpRequestException => Clip($"request failed: {ex.Message}"),
            HttpIOException io => Clip($"the response broke off: {io.HttpRequestError} ({io.Message})"),
            IOException => Clip($"the connection broke: {ex.Message}"),
            _ => Clip($"request failed: {ex.GetType().Name}: {ex.Message}"),
        };
    }

    /// <summary>Error texts can quote what a receiver sent (a garbage status line); keep them short.</summary>
    private static string Clip(string error) => error.Length <= MaxErrorLength ? error : error[..MaxErrorLength] + "…";

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - time.GetUtcNow() : null;
    }

    private static async Task<string?> ReadPrefixAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ResponseBodyLimit);
            try
            {
                var filled = 0;
                int read;
                while (filled < ResponseBodyLimit && (read = await stream.ReadAsync(buffer.AsMemory(filled, ResponseBodyLimit - filled), cancellationToken)) > 0)
                {
                    filled += read;
                }

                return filled == 0 ? null : Encoding.UTF8.GetString(buffer, 0, filled);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
