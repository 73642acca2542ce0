using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Delivery.Http;

/// <summary>Sends one attempt over the shared, pooled client and turns every outcome into a <see cref="SendResult"/>.</summary>
public sealed class WebhookSender(HttpClient client, TimeProvider time)
{
    /// <summary>How much of a response body the attempt log keeps.</summary>
    public const int ResponseBodyLimit = 4096;

    public async Task<SendResult> SendAsync(Webhook webhook, ClaimedDelivery delivery, int attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var timeout = TimeSpan.FromSeconds(webhook.TimeoutSeconds);
        var started = Stopwatch.GetTimestamp();
        using var request = WebhookRequestFactory.Create(webhook, delivery, attempt, time.GetUtcNow());
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timer.Token);
            var body = await ReadPrefixAsync(response.Content, timer.Token);
            var status = (int)response.StatusCode;
            var ok = status is >= 200 and < 300;
            return new SendResult(status, ok ? null : $"HTTP {status}", body, Stopwatch.GetElapsedTime(started), RetryAfter(response), TimedOut: false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(null, $"timed out after {webhook.TimeoutSeconds} s", null, Stopwatch.GetElapsedTime(started), null, TimedOut: true);
        }
        catch (HttpRequestException ex)
        {
            return new SendResult(null, Describe(ex), null, Stopwatch.GetElapsedTime(started), null, TimedOut: false);
        }
    }

    private static string Describe(HttpRequestException ex) =>
        ex.InnerException is SocketException socket ? $"connection failed: {socket.SocketErrorCode} ({socket.Message})" : $"request failed: {ex.Message}";

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
            var buffer = new byte[ResponseBodyLimit];
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += read;
            }

            return filled == 0 ? null : Encoding.UTF8.GetString(buffer, 0, filled);
        }
    }
}
