using System.Collections.Concurrent;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Http;
using Herald.Delivery.Metrics;
using Herald.Delivery.Tracing;
using Herald.Delivery.Webhooks;
using Herald.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// The delivery loop. Each round claims due deliveries for the webhooks whose lanes have room, in
/// one store call, and queues them on their lanes; a lane's free slots start them at once. A slot
/// that finishes a delivery hands its record to the <see cref="AttemptRecorder"/> (batched writes)
/// and goes straight on to the lane's next waiting delivery, so the loop claims only when a lane
/// has drained by half. It sleeps only when nothing is due, and wakes at once on
/// <see cref="DispatchSignal"/> or when the next retry falls due.
/// </summary>
public sealed partial class DeliveryDispatcher : BackgroundService
{
    private readonly IDeliveryStore _store;
    private readonly WebhookRegistry _registry;
    private readonly WebhookSender _sender;
    private readonly DispatchSignal _signal;
    private readonly DispatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryDispatcher> _logger;
    private readonly HeraldMetrics _metrics;
    private readonly AttemptRecorder _recorder;
    private readonly RetryJitter _jitter;
    private readonly ConcurrentDictionary<long, Task> _slots = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly WebhookLanes _lanes;
    private readonly PartitionOwnership _partitions;
    private readonly LaneHandOff? _handOff;
    private long _slotIds;
    private int _running;
    private int _starved;
    private volatile bool _stopping;

    public DeliveryDispatcher(
        IDeliveryStore store,
        WebhookRegistry registry,
        WebhookSender sender,
        DispatchSignal signal,
        IOptions<DispatcherOptions> options,
        IOperationalEvents events,
        TimeProvider time,
        ILogger<DeliveryDispatcher> logger,
        HeraldMetrics metrics,
        RetryJitter jitter,
        PartitionOwnership? partitions = null,
        LaneHandOff? handOff = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _registry = registry;
        _sender = sender;
        _signal = signal;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _jitter = jitter;
        _handOff = handOff;
        _lanes = new WebhookLanes(_options);
        _partitions = partitions ?? new PartitionOwnership(time);
        _recorder = new AttemptRecorder(store, events, signal, _options, time, logger);
    }

    /// <summary>Attempts currently being sent.</summary>
    public int InFlight => Volatile.Read(ref _running);

    /// <summary>Deliveries claimed by this process and waiting on their webhook's lane for a slot.</summary>
    public int Waiting
    {
        get
        {
            // Only active lanes hold work.
            var waiting = 0;
            foreach (var lane in _lanes.Active)
            {
                waiting += lane.Waiting;
            }

            return waiting;
        }
    }

    /// <summary>
    /// How long a claim holds a delivery: a waiting delivery may wait for one attempt on its lane
    /// (at most the longest timeout) before its own, plus slack.
    /// </summary>
    private TimeSpan Lease => TimeSpan.FromSeconds(2 * WebhookLimits.MaxTimeoutSeconds) + _options.LeaseSlack;

    /// <summary>
    /// What must be left of a lease beyond the attempt's timeout for the attempt to start: room for
    /// its record to be written before the lease runs out.
    /// </summary>
    private TimeSpan LeaseMargin => _options.LeaseSlack;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _registry.RefreshAsync(stoppingToken);
        await RecoverLeasesAsync(stoppingToken);
        _handOff?.Attach(this);
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
                Log.RoundFailed(_logger, ex);
                await _signal.WaitAsync(TimeSpan.FromSeconds(1), _time, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Before the first claim: leases a previous process left behind (it crashed, or was killed
    /// before it could give them back) are released now if the store knows no one else can hold
    /// them, so a restart sends that work within seconds instead of after the lease.
    /// </summary>
    private async Task RecoverLeasesAsync(CancellationToken stoppingToken)
    {
        try
        {
            var recovered = await _store.RecoverLeasesAsync(_time.GetUtcNow(), stoppingToken);
            if (recovered > 0)
            {
                Log.LeasesRecovered(_logger, recovered);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The leases run out by themselves; the work is only late.
            Log.RecoverFailed(_logger, ex);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _handOff?.Detach();
        await base.StopAsync(cancellationToken);

        // Let in-flight attempts finish; cancel what is still running after the grace period and
        // give those leases back, so another start (or node) sends them at once. Deliveries waiting
        // on a lane go back at once.
        var all = Task.WhenAll(_slots.Values.ToArray());
        await ReleaseWaitingAsync();
        await Task.WhenAny(all, Task.Delay(_options.ShutdownGrace, _time, cancellationToken));
        await _abort.CancelAsync();
        await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await ReleaseWaitingAsync();
        await _recorder.CompleteAsync();
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Queues leased deliveries (claimed, or handed off by an ingest) on their lanes and starts what
    /// the lanes have room for; returns those to give back: their webhook was deleted or paused
    /// since, or its circuit opened while they were on their way.
    /// </summary>
    private List<ClaimedDelivery> Feed(IEnumerable<ClaimedDelivery> deliveries, WebhookIndex index, DateTimeOffset now)
    {
        var refused = new List<ClaimedDelivery>();
        var fed = new HashSet<WebhookLane>();
        foreach (var delivery in deliveries)
        {
            var webhook = index.Find(delivery.WebhookId)?.Webhook;
            if (webhook is null || !webhook.Status.Sends())
            {
                refused.Add(delivery);
                continue;
            }

            // A lane retired meanwhile (a round with an older index saw its webhook as deleted)
            // takes nothing: the webhook's next lane does.
            var lane = _lanes.For(webhook);
            while (!lane.Enqueue(delivery))
            {
                lane = _lanes.For(webhook);
            }

            fed.Add(lane);
        }

        foreach (var lane in fed)
        {
            if (lane.ReopensAt(now) is not null)
            {
                refused.AddRange(lane.Drain());
                continue;
            }

            Start(lane, now);
        }

        return refused;
    }

    private async Task RunRoundAsync(CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        StartWaiting(now);

        // Claimed work is bounded too: at most MaxConcurrency waiting beyond what runs. When that
        // budget is spent, webhooks holding nothing may still claim (a lane-full each), so one busy
        // webhook's queue never keeps the others from being claimed at all.
        var index = _registry.Current;
        var plan = _lanes.Plan(index, now);
        var (capacity, reopens) = plan;
        var budget = (2 * _options.MaxConcurrency) - InFlight - plan.Waiting;
        Volatile.Write(ref _handOffBudget, budget);
        var want = Math.Min(_options.ClaimBatch, budget);
        if (want <= 0)
        {
            plan.LeaveOutBusy();
            want = _options.ClaimBatch;
        }

        // In a cluster, only for the partitions this node owns (none: nothing to ask the store for).
        var partitions = _partitions.Claimable;
        var request = new ClaimRequest(_options.NodeId, now, Lease, want, capacity, _lanes.DefaultRoom, partitions);
        var claimed = partitions is { Count: 0 } ? ClaimResult.Empty : await _store.ClaimDueAsync(request, stoppingToken);
        var refused = Feed(claimed, index, now);
        if (refused.Count > 0)
        {
            // Not cancellable: leases left behind at shutdown would hold these deliveries until they
            // ran out. A failed release is only logged: the round goes on to sleep as planned.
            await ReleaseQuietlyAsync(refused);
        }

        if (claimed.Count < want || refused.Count > 0)
        {
            // Work due now but not taken waits on a lane (full, open circuit, rate limit) or on an
            // earlier delivery of its object; a finishing attempt or a reopening lane wakes the loop
            // for it, so only future due times set the sleep. A lease that ran out on a dead node is
            // noticed within MaxIdle.
            var idle = claimed.NextDueAfter is { } next ? next - _time.GetUtcNow() : _options.MaxIdle;
            idle = idle > _options.MaxIdle ? _options.MaxIdle : idle;
            if (reopens is { } at && at - now < idle)
            {
                idle = at - now < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : at - now;
            }

            if (idle > TimeSpan.Zero)
            {
                await _signal.WaitAsync(idle, _time, stoppingToken);
            }
        }
    }

    /// <summary>Starts what lanes hold and may start now (after a slot or the global limit freed up).</summary>
    private void StartWaiting(DateTimeOffset now)
    {
        // Lanes with nothing in flight go first, so a lane the global limit kept waiting gets a
        // slot; once every slot is taken the rest wait for the next round (two passes, no sort:
        // with 10,000 busy lanes the sorted copy was a cost of every round).
        Volatile.Write(ref _starved, 0);
        List<WebhookLane>? running = null;
        foreach (var lane in _lanes.Active)
        {
            var (inFlight, waiting) = lane.Held();
            if (waiting == 0)
            {
                continue;
            }

            if (inFlight > 0)
            {
                (running ??= []).Add(lane);
            }
            else if (!Start(lane, now))
            {
                return;
            }
        }

        foreach (var lane in running ?? [])
        {
            if (!Start(lane, now))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Opens slots on <paramref name="lane"/> while it has waiting work and the global limit allows;
    /// false when every slot is taken.
    /// </summary>
    private bool Start(WebhookLane lane, DateTimeOffset now)
    {
        while (!_stopping && _partitions.MaySend(lane.Partition))
        {
            if (Interlocked.Increment(ref _running) > _options.MaxConcurrency)
            {
                // Every slot is taken: a slot that finishes hands its place back instead of staying
                // on its own lane, and the next round starts this one.
                Interlocked.Decrement(ref _running);
                Volatile.Write(ref _starved, 1);
                return false;
            }

            if (!lane.TryStart(now, out var delivery))
            {
                Interlocked.Decrement(ref _running);
                return true;
            }

            // Registered before it starts, so its own removal can never run first.
            var id = Interlocked.Increment(ref _slotIds);
            var slot = new Task<Task>(() => RunSlotAsync(id, lane, delivery));
            _slots[id] = slot.Unwrap();
            slot.Start(TaskScheduler.Default);
        }

        return true;
    }

    /// <summary>One slot of a lane: sends deliveries one after another while the lane has some waiting.</summary>
    private async Task RunSlotAsync(long id, WebhookLane lane, ClaimedDelivery first)
    {
        var delivery = first;
        try
        {
            while (true)
            {
                var healthy = await ProcessAsync(delivery, lane);
                var now = _time.GetUtcNow();
                var drained = lane.Finish(delivery, healthy, now);
                if (drained.Count > 0)
                {
                    // The circuit opened: what waited on this lane goes back to the store.
                    await ReleaseQuietlyAsync(drained);
                }

                if (lane.WantsWork(now))
                {
                    _signal.Notify();
                }

                // Another lane waits for a slot under the global limit: hand this one back.
                if (_stopping || Volatile.Read(ref _starved) != 0 || !_partitions.MaySend(lane.Partition) || !lane.TryStart(now, out delivery))
                {
                    break;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            _slots.TryRemove(id, out _);
            _signal.Notify();
        }
    }

    /// <summary>Sends one delivery and queues its record; the endpoint's health for the circuit, or null.</summary>
    private async Task<bool?> ProcessAsync(ClaimedDelivery delivery, WebhookLane lane)
    {
        var webhook = _registry.Current.Find(delivery.WebhookId)?.Webhook;
        if (webhook is null || !webhook.Status.Sends())
        {
            // Deleted or paused while it waited on its lane.
            await ReleaseQuietlyAsync([delivery]);
            return null;
        }

        if (delivery.LeaseUntil - _time.GetUtcNow() < TimeSpan.FromSeconds(webhook.TimeoutSeconds) + LeaseMargin)
        {
            // It waited so long that its lease could run out mid-attempt and another claim send it
            // too: give it back, to be claimed afresh.
            await ReleaseQuietlyAsync([delivery]);
            return null;
        }

        var attempt = delivery.AttemptCount + 1;
        var started = _time.GetUtcNow();
        using var span = HeraldActivities.StartAttempt(delivery, attempt);
        SendResult result;
        try
        {
            result = await _sender.SendAsync(webhook, delivery, attempt, _abort.Token);
        }
        catch (Exception) when (_abort.IsCancellationRequested)
        {
            // Cut short by shutdown: not an attempt; give it back for the next start.
            await ReleaseQuietlyAsync([delivery]);
            return null;
        }
        catch (Exception ex)
        {
            // The sender turns every outcome into a result; should anything still escape, the
            // attempt is recorded as failed all the same. Left to its lease it would be sent again
            // and again without ever being counted, and its webhook would never leave ENABLED.
            Log.SendThrew(_logger, delivery.Id, ex);
            result = new SendResult(null, $"internal error: {ex.GetType().Name}", null, _time.GetUtcNow() - started, null, TimedOut: false);
        }

        try
        {
            _metrics.Attempted(result);
            HeraldActivities.Attempted(span, result);
            lane.Measure(result.Duration);
            Log.Attempted(_logger, delivery.Id, webhook.Id, attempt, result.StatusCode ?? 0, result.Duration.TotalMilliseconds);
            await _recorder.RecordAsync(webhook, delivery, ToRecord(webhook, delivery, attempt, started, result));
            return EndpointHealthy(result);
        }
        catch (Exception ex)
        {
            // Leave the lease to expire: the delivery is retried, never lost.
            Log.ProcessFailed(_logger, delivery.Id, ex);
            return null;
        }
    }

    private async Task ReleaseWaitingAsync()
    {
        var waiting = new List<ClaimedDelivery>();
        foreach (var lane in _lanes.All)
        {
            waiting.AddRange(lane.Drain());
        }

        if (waiting.Count > 0)
        {
            await ReleaseQuietlyAsync(waiting);
        }
    }

    private async Task ReleaseQuietlyAsync(IReadOnlyList<ClaimedDelivery> deliveries)
    {
        try
        {
            await _store.ReleaseAsync(_options.NodeId, deliveries, _time.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The leases run out by themselves; the deliveries are only late.
            Log.ReleaseFailed(_logger, deliveries.Count, ex);
        }
    }

    /// <summary>Whether the endpoint itself looks up (true), down (false), or answered a request problem (null).</summary>
    private static bool? EndpointHealthy(SendResult result) => result.StatusCode switch
    {
        null => false,
        _ when result.Error is not null && result.StatusCode is >= 200 and < 300 => false,
        >= 200 and < 300 => true,
        429 or >= 500 => false,
        _ => null,
    };

    private AttemptRecord ToRecord(Webhook webhook, ClaimedDelivery delivery, int attempt, DateTimeOffset started, SendResult result)
    {
        DateTimeOffset? next = null;
        if (!result.Succeeded && RetryPolicy.NextDelay(attempt, webhook.RetrySchedule, _jitter.NextUnit()) is { } delay)
        {
            if (result.TimedOut || (result.StatusCode is { } code && RetryPolicy.IsThrottle(code)))
            {
                delay = delay < RetryPolicy.ThrottleFloor ? RetryPolicy.ThrottleFloor : delay;
            }

            delay = RetryPolicy.ApplyRetryAfter(delay, result.RetryAfter);

            next = _time.GetUtcNow() + delay;
        }

        return new AttemptRecord(
            delivery.Id, webhook.Id, attempt, started, result.StatusCode, result.Duration.TotalMilliseconds,
            result.Error, result.ResponseBody, result.Succeeded, next, delivery.LeaseUntil);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} to webhook {WebhookId}: attempt {Attempt} answered {StatusCode} in {DurationMs:F1} ms")]
        public static partial void Attempted(ILogger logger, string deliveryId, string webhookId, int attempt, int statusCode, double durationMs);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "A dispatch round failed")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Processing delivery {DeliveryId} failed; its lease will expire and it will be retried")]
        public static partial void ProcessFailed(ILogger logger, string deliveryId, Exception exception);

        [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "Sending delivery {DeliveryId} threw; the attempt is recorded as failed")]
        public static partial void SendThrew(ILogger logger, string deliveryId, Exception exception);

        [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Gave back {Count} leases a previous process left behind")]
        public static partial void LeasesRecovered(ILogger logger, int count);

        [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Giving back the leases left from a previous process failed; they run out by themselves")]
        public static partial void RecoverFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Giving back {Count} leases failed; they run out by themselves")]
        public static partial void ReleaseFailed(ILogger logger, int count, Exception exception);
    }
}
