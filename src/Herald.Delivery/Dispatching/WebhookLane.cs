using System.Threading.RateLimiting;
using Herald.Core.Deliveries;
using Herald.Storage;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// One webhook's share of the dispatcher: its in-flight count against its concurrency limit, the
/// deliveries claimed for it and waiting for a slot, an optional token bucket (requests/s), and a
/// circuit that stops claiming for an endpoint that keeps failing, so a dead target costs one probe
/// per cool-down instead of a pool of workers.
/// </summary>
/// <remarks>
/// A lane keeps claimed deliveries waiting beyond those in flight, so a freed slot starts the next
/// one at once and claims come in batches, not one per completion. How many it keeps follows the
/// endpoint's speed: about <see cref="DispatcherOptions.LaneWaitTarget"/> worth of attempts at the
/// average attempt duration seen, between a quarter of its limit and
/// <see cref="DispatcherOptions.MaxWaitingLanes"/> lane-fulls. A fast endpoint gets a deep queue
/// (claims stay ahead of it); a slow or hanging one keeps few, so none waits long on its lease. A
/// rate-limited or half-open lane keeps none beyond what it may start now.
/// </remarks>
internal sealed class WebhookLane(int limit, double? ratePerSecond, DispatcherOptions options) : IDisposable
{
    private readonly Lock _gate = new();
    private TokenBucketRateLimiter? _rate = ratePerSecond is { } rate ? CreateLimiter(rate) : null;
    private readonly Queue<ClaimedDelivery> _ready = new();
    private int _inFlight;
    private int _consecutiveFailures;
    private DateTimeOffset _openUntil = DateTimeOffset.MinValue;
    private TimeSpan _openFor = options.CircuitOpenFor;
    private ClaimedDelivery? _probe;
    private double _averageMs = InitialAverageMs;
    private bool _retired;

    /// <summary>Until attempts are measured, a lane assumes a slow endpoint and keeps few waiting.</summary>
    private const double InitialAverageMs = 1000;

    public int Limit { get; private set; } = limit;

    /// <summary>The webhook's <see cref="LanePartitions"/> partition: the node owning it runs this lane.</summary>
    public int Partition { get; init; }

    /// <summary>Called after work is queued on the lane (its owner puts it in the active set).</summary>
    public Action<WebhookLane>? OnWork { get; init; }

    /// <summary>How many claimed deliveries this lane keeps waiting, for its endpoint's speed.</summary>
    public int WaitingTarget
    {
        get
        {
            lock (_gate)
            {
                return WaitingTargetLocked();
            }
        }
    }

    /// <summary>What a claim may take for a lane that has never run: its limit and the initial waiting target.</summary>
    public static int InitialRoom(int limit, DispatcherOptions options) => limit + TargetFor(limit, InitialAverageMs, options);

    private int WaitingTargetLocked() => TargetFor(Limit, _averageMs, options);

    private static int TargetFor(int limit, double averageMs, DispatcherOptions options)
    {
        var low = Math.Max(1, (limit + 3) / 4);
        var high = Math.Max(low, limit * options.MaxWaitingLanes);
        var wanted = limit * options.LaneWaitTarget.TotalMilliseconds / Math.Max(averageMs, 0.05);
        return (int)Math.Clamp(wanted, low, high);
    }

    public double? RatePerSecond { get; private set; } = ratePerSecond;

    public bool IsRateLimited
    {
        get
        {
            lock (_gate)
            {
                return _rate is not null;
            }
        }
    }

    /// <summary>
    /// Applies changed limits in place: what is in flight and waiting, and the circuit's state, carry
    /// over, so an edit neither lets a second lane-full in nor forgets a failing endpoint.
    /// </summary>
    public void Reconfigure(int limit, double? ratePerSecond)
    {
        lock (_gate)
        {
            Limit = limit;
            if (RatePerSecond != ratePerSecond)
            {
                _rate?.Dispose();
                _rate = ratePerSecond is { } rate ? CreateLimiter(rate) : null;
                RatePerSecond = ratePerSecond;
            }
        }
    }

    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>
    /// Nothing in flight or waiting, its circuit closed and no rate limit: a claim may treat it like
    /// a lane it has never seen (<see cref="WebhookLanes.DefaultRoom"/>).
    /// </summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return IsIdleLocked();
            }
        }
    }

    /// <summary>What the lane holds, read together: attempts running and claimed deliveries waiting.</summary>
    public (int InFlight, int Waiting) Held()
    {
        lock (_gate)
        {
            return (_inFlight, _ready.Count);
        }
    }

    /// <summary>Claimed deliveries waiting for a slot.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>
    /// How many more deliveries a claim may take for this lane now; 0 leaves it out of the claim.
    /// A busy lane asks again only once half a lane-full has drained, so claims come in batches.
    /// </summary>
    public int Room(DateTimeOffset now)
    {
        lock (_gate)
        {
            return RoomLocked(now);
        }
    }

    /// <summary>
    /// What a dispatcher round needs of the lane, read under one lock: with 10,000 busy lanes a
    /// round took six locks per lane, and walking them was a tenth of Herald's CPU.
    /// </summary>
    /// <param name="now">The round's time.</param>
    /// <param name="defaultLimit">The dispatcher's per-webhook limit: a lane with it and no rate limit has default limits.</param>
    internal LaneState State(DateTimeOffset now, int defaultLimit)
    {
        lock (_gate)
        {
            return new LaneState(Limit == defaultLimit && IsIdleLocked(), RoomLocked(now), _inFlight, _ready.Count, now < _openUntil ? _openUntil : null, _rate is not null);
        }
    }

    private bool IsIdleLocked() => _inFlight == 0 && _ready.Count == 0 && _consecutiveFailures == 0 && _probe is null && _rate is null;

    private int RoomLocked(DateTimeOffset now)
    {
        if (now < _openUntil)
        {
            return 0;
        }

        var held = _inFlight + _ready.Count;
        if (_consecutiveFailures >= options.CircuitFailureThreshold)
        {
            // Half-open: one probe at a time decides whether the circuit closes.
            return held == 0 ? 1 : 0;
        }

        if (_rate is not null)
        {
            var permits = _rate.GetStatistics()?.CurrentAvailablePermits ?? 0;
            return (int)Math.Max(0, Math.Min(Limit - held, permits - _ready.Count));
        }

        var target = WaitingTargetLocked();
        var room = Limit + target - held;
        return held == 0 || room >= Math.Max(1, target / 2) ? Math.Max(room, 0) : 0;
    }

    /// <summary>
    /// How many fresh deliveries an ingest may hand this lane now: its free places (no waiting for
    /// half a lane-full to drain, as claims do; a hand-off costs no query). None while the circuit
    /// is open or probing; a rate-limited lane takes what it may start.
    /// </summary>
    public int HandOffRoom(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (now < _openUntil || _consecutiveFailures >= options.CircuitFailureThreshold)
            {
                return 0;
            }

            var held = _inFlight + _ready.Count;
            if (_rate is not null)
            {
                var permits = _rate.GetStatistics()?.CurrentAvailablePermits ?? 0;
                return (int)Math.Max(0, Math.Min(Limit - held, permits - _ready.Count));
            }

            return Math.Max(0, Limit + WaitingTargetLocked() - held);
        }
    }

    /// <summary>Whether the lane has drained enough that the dispatcher should claim for it again.</summary>
    public bool WantsWork(DateTimeOffset now) => Room(now) > 0;

    /// <summary>Feeds the average attempt duration that sets how many deliveries the lane keeps waiting.</summary>
    public void Measure(TimeSpan attempt)
    {
        lock (_gate)
        {
            _averageMs += (attempt.TotalMilliseconds - _averageMs) * 0.1;
        }
    }

    /// <summary>When a closed-for-now lane may take work again; null when it is not waiting on time.</summary>
    public DateTimeOffset? ReopensAt(DateTimeOffset now)
    {
        lock (_gate)
        {
            return now < _openUntil ? _openUntil : null;
        }
    }

    /// <summary>Queues claimed deliveries, earliest due first, for the lane's slots.</summary>
    /// <returns>False when the lane was retired (its webhook deleted) meanwhile: queue on the webhook's current lane instead.</returns>
    public bool Enqueue(ClaimedDelivery delivery)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return false;
            }

            _ready.Enqueue(delivery);
        }

        // After queuing: a round that takes the lane out of the active set looks again afterwards.
        OnWork?.Invoke(this);
        return true;
    }

    /// <summary>
    /// Retires an idle lane so it can be forgotten: false when it holds work. A retired lane takes
    /// no more work, so nothing can be queued on a lane that is no longer in the lane map.
    /// </summary>
    public bool TryRetire()
    {
        lock (_gate)
        {
            if (_inFlight > 0 || _ready.Count > 0)
            {
                return false;
            }

            _retired = true;
            return true;
        }
    }

    /// <summary>Takes a slot and the next waiting delivery; false when there is none or no slot may start now.</summary>
    public bool TryStart(DateTimeOffset now, out ClaimedDelivery delivery)
    {
        lock (_gate)
        {
            delivery = null!;
            if (_ready.Count == 0 || _inFlight >= Limit || now < _openUntil)
            {
                return false;
            }

            var halfOpen = _consecutiveFailures >= options.CircuitFailureThreshold;
            if (halfOpen && _probe is not null)
            {
                return false;
            }

            if (_rate is not null && !_rate.AttemptAcquire(1).IsAcquired)
            {
                return false;
            }

            _inFlight++;
            delivery = _ready.Dequeue();
            if (halfOpen)
            {
                _probe = delivery;
            }

            return true;
        }
    }

    /// <summary>
    /// Frees the slot of <paramref name="delivery"/> and feeds the circuit: endpoint failures open
    /// it, a success closes it. Only the probe's own result ends a half-open probe (an attempt that
    /// started before the circuit opened may finish meanwhile). When the circuit opens, the waiting
    /// deliveries are returned so their leases can be given back.
    /// </summary>
    public IReadOnlyList<ClaimedDelivery> Finish(ClaimedDelivery delivery, bool? endpointHealthy, DateTimeOffset now)
    {
        lock (_gate)
        {
            _inFlight--;
            var wasProbe = ReferenceEquals(delivery, _probe);
            if (wasProbe)
            {
                _probe = null;
            }

            if (endpointHealthy is null)
            {
                return [];
            }

            if (!wasProbe && _consecutiveFailures >= options.CircuitFailureThreshold)
            {
                // The circuit is open or probing: an attempt that started before it opened does not
                // decide anything; the probe does.
                return [];
            }

            if (endpointHealthy.Value)
            {
                _consecutiveFailures = 0;
                _openFor = options.CircuitOpenFor;
                _openUntil = DateTimeOffset.MinValue;
                return [];
            }

            _consecutiveFailures++;
            if (_consecutiveFailures < options.CircuitFailureThreshold)
            {
                return [];
            }

            if (wasProbe)
            {
                _openFor = TimeSpan.FromTicks(Math.Min(_openFor.Ticks * 2, options.CircuitMaxOpenFor.Ticks));
            }

            _openUntil = now + _openFor;

            return DrainLocked();
        }
    }

    /// <summary>Removes every waiting delivery (shutdown, a replaced lane, a webhook that stopped sending).</summary>
    public IReadOnlyList<ClaimedDelivery> Drain()
    {
        lock (_gate)
        {
            return DrainLocked();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _rate?.Dispose();
        }
    }

    private List<ClaimedDelivery> DrainLocked()
    {
        var drained = new List<ClaimedDelivery>(_ready);
        _ready.Clear();
        return drained;
    }

    private static TokenBucketRateLimiter CreateLimiter(double ratePerSecond)
    {
        // Refill in steps of at least one token, at most ten times a second, with one second of burst.
        var perSecond = Math.Max(ratePerSecond, 0.01);
        var period = TimeSpan.FromSeconds(Math.Max(0.1, 1 / perSecond));
        var tokensPerPeriod = Math.Max(1, (int)Math.Round(perSecond * period.TotalSeconds));
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)Math.Ceiling(perSecond)),
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}

/// <summary>One read of a lane for a dispatcher round (<see cref="WebhookLane.State"/>).</summary>
/// <param name="PlainIdle">Nothing in flight or waiting, circuit closed, default limits: it may leave the active set.</param>
/// <param name="Room">What a claim may take for it now (<see cref="WebhookLane.Room"/>).</param>
/// <param name="InFlight">Attempts running.</param>
/// <param name="Waiting">Claimed deliveries waiting for a slot.</param>
/// <param name="ReopensAt">When its open circuit lets a probe through; null when it is not open.</param>
/// <param name="RateLimited">Whether it has a rate limit.</param>
internal readonly record struct LaneState(bool PlainIdle, int Room, int InFlight, int Waiting, DateTimeOffset? ReopensAt, bool RateLimited);
