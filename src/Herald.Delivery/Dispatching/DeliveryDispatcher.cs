using System.Collections.Concurrent;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Http;
using Herald.Delivery.Metrics;
using Herald.Delivery.Webhooks;
using Herald.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// The delivery loop: claims due deliveries in batches, sends each on the pooled client, records the
/// attempt (group-committed by the store) and schedules the next one. It sleeps only when nothing is
/// due, and wakes at once on <see cref="DispatchSignal"/> or when the next retry falls due.
/// </summary>
public sealed partial class DeliveryDispatcher(
    IDeliveryStore store,
    WebhookRegistry registry,
    WebhookSender sender,
    DispatchSignal signal,
    IOptions<DispatcherOptions> options,
    IOperationalEvents events,
    TimeProvider time,
    ILogger<DeliveryDispatcher> logger,
    HeraldMetrics metrics) : BackgroundService
{
    private readonly DispatcherOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _abort = new();
    private readonly Random _random = new();
    private readonly WebhookLanes _lanes = new(options.Value);

    /// <summary>Attempts currently being sent.</summary>
    public int InFlight => _inFlight.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await registry.RefreshAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunRoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A database hiccup must not kill delivery; back off briefly and go on.
                Log.RoundFailed(logger, ex);
                await signal.WaitAsync(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var pending = _inFlight.Values.ToArray();
        if (pending.Length == 0)
        {
            return;
        }

        // Let in-flight attempts finish; cancel what is still running after the grace period and
        // give those leases back, so another start (or node) sends them at once.
        var all = Task.WhenAll(pending);
        await Task.WhenAny(all, Task.Delay(_options.ShutdownGrace, time, cancellationToken));
        await _abort.CancelAsync();
        await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    private async Task RunRoundAsync(CancellationToken stoppingToken)
    {
        var free = _options.MaxConcurrency - _inFlight.Count;
        if (free <= 0)
        {
            await signal.WaitAsync(_options.MaxIdle, time, stoppingToken);
            return;
        }

        var want = Math.Min(free, _options.ClaimBatch);
        var now = time.GetUtcNow();
        var index = registry.Current;
        var (excluded, capacity, reopens) = _lanes.Plan(index, now);
        var lease = TimeSpan.FromSeconds(WebhookLimits.MaxTimeoutSeconds) + _options.LeaseSlack;
        var request = new ClaimRequest(_options.NodeId, now, lease, want, excluded, capacity, _options.PerWebhookConcurrency);
        var claimed = await store.ClaimDueAsync(request, stoppingToken);
        var refused = new List<string>();
        foreach (var delivery in claimed)
        {
            var webhook = index.Find(delivery.WebhookId)?.Webhook;
            var lane = webhook is null ? null : _lanes.For(webhook);
            if (webhook is null || !webhook.Status.Sends() || !lane!.TryStart(now))
            {
                // Deleted, paused, or its lane filled up since the plan: give the lease back.
                refused.Add(delivery.Id);
                continue;
            }

            // Registered before it starts, so its own removal can never run first.
            var start = new Task<Task>(() => ProcessAsync(delivery, webhook, lane));
            _inFlight[delivery.Id] = start.Unwrap();
            start.Start(TaskScheduler.Default);
        }

        if (refused.Count > 0)
        {
            await store.ReleaseAsync(_options.NodeId, refused, stoppingToken);
        }

        if (claimed.Count < want || refused.Count > 0)
        {
            var idle = await IdleTimeAsync(now, stoppingToken);
            if (reopens is { } at && at - now < idle)
            {
                idle = at - now < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : at - now;
            }

            if (idle > TimeSpan.Zero)
            {
                await signal.WaitAsync(idle, time, stoppingToken);
            }
        }
    }

    /// <summary>How long to sleep after a round at <paramref name="roundNow"/> that took less than it could.</summary>
    private async Task<TimeSpan> IdleTimeAsync(DateTimeOffset roundNow, CancellationToken cancellationToken)
    {
        // Work due at the round's "now" but not taken waits on a lane (full, open circuit, rate
        // limit) or on an earlier delivery of its object; a finishing attempt or a reopening lane
        // wakes the loop for it, so only future due times set the sleep. A lease that ran out on
        // a dead node is noticed within MaxIdle.
        var next = await store.NextDueAfterAsync(roundNow, cancellationToken);
        if (next is null)
        {
            return _options.MaxIdle;
        }

        var wait = next.Value - time.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait > _options.MaxIdle ? _options.MaxIdle : wait;
    }

    private async Task ProcessAsync(ClaimedDelivery delivery, Webhook webhook, WebhookLane lane)
    {
        bool? healthy = null;
        try
        {
            var attempt = delivery.AttemptCount + 1;
            var started = time.GetUtcNow();
            var result = await sender.SendAsync(webhook, delivery, attempt, _abort.Token);
            healthy = EndpointHealthy(result);
            metrics.Attempted(result);
            var record = ToRecord(webhook, delivery, attempt, started, result);
            var changes = await store.CompleteAsync([record], time.GetUtcNow(), _options.DisableAfter, CancellationToken.None);
            Log.Attempted(logger, delivery.Id, webhook.Id, attempt, result.StatusCode ?? 0, result.Duration.TotalMilliseconds);
            await events.AttemptRecordedAsync(webhook, delivery, record, changes);
            if (changes.Count > 0)
            {
                foreach (var change in changes)
                {
                    Log.StatusChanged(logger, change.WebhookId, change.From.ToWire(), change.To.ToWire());
                }

                await registry.RefreshAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            await store.ReleaseAsync(_options.NodeId, [delivery.Id], CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Leave the lease to expire: the delivery is retried, never lost.
            Log.ProcessFailed(logger, delivery.Id, ex);
        }
        finally
        {
            lane.Finish(healthy, time.GetUtcNow());
            _inFlight.TryRemove(delivery.Id, out _);
            signal.Notify();
        }
    }

    /// <summary>Whether the endpoint itself looks up (true), down (false), or answered a request problem (null).</summary>
    private static bool? EndpointHealthy(SendResult result) => result.StatusCode switch
    {
        null => false,
        >= 200 and < 300 => true,
        429 or >= 500 => false,
        _ => null,
    };

    private AttemptRecord ToRecord(Webhook webhook, ClaimedDelivery delivery, int attempt, DateTimeOffset started, SendResult result)
    {
        DateTimeOffset? next = null;
        if (!result.Succeeded && RetryPolicy.NextDelay(attempt, webhook.RetrySchedule, _random.NextDouble()) is { } delay)
        {
            if (result.TimedOut || (result.StatusCode is { } code && RetryPolicy.IsThrottle(code)))
            {
                delay = delay < RetryPolicy.ThrottleFloor ? RetryPolicy.ThrottleFloor : delay;
            }

            delay = RetryPolicy.ApplyRetryAfter(delay, result.RetryAfter);

            next = time.GetUtcNow() + delay;
        }

        return new AttemptRecord(
            delivery.Id, webhook.Id, attempt, started, result.StatusCode, result.Duration.TotalMilliseconds,
            result.Error, result.ResponseBody, result.Succeeded, next);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} to webhook {WebhookId}: attempt {Attempt} answered {StatusCode} in {DurationMs:F1} ms")]
        public static partial void Attempted(ILogger logger, string deliveryId, string webhookId, int attempt, int statusCode, double durationMs);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Webhook {WebhookId} went from {From} to {To}")]
        public static partial void StatusChanged(ILogger logger, string webhookId, string from, string to);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "A dispatch round failed")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Processing delivery {DeliveryId} failed; its lease will expire and it will be retried")]
        public static partial void ProcessFailed(ILogger logger, string deliveryId, Exception exception);
    }
}
