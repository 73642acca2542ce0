using System.Threading.RateLimiting;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// One webhook's share of the dispatcher: its in-flight count against its concurrency limit, an
/// optional token bucket (requests/s), and a circuit that stops claiming for an endpoint that
/// keeps failing, so a dead target costs one probe per cool-down instead of a pool of workers.
/// </summary>
internal sealed class WebhookLane(int limit, double? ratePerSecond, DispatcherOptions options) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TokenBucketRateLimiter? _rate = ratePerSecond is { } rate ? CreateLimiter(rate) : null;
    private int _inFlight;
    private int _consecutiveFailures;
    private DateTimeOffset _openUntil = DateTimeOffset.MinValue;
    private TimeSpan _openFor = options.CircuitOpenFor;
    private bool _probing;

    public int Limit { get; } = limit;

    public double? RatePerSecond { get; } = ratePerSecond;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>How many more deliveries this lane may take now (0 = leave it out of claims).</summary>
    public int Capacity(DateTimeOffset now)
    {
        lock (_gate)
        {
            return CapacityLocked(now);
        }
    }

    private int CapacityLocked(DateTimeOffset now)
    {
        {
            var free = Limit - _inFlight;
            if (now < _openUntil)
            {
                return 0;
            }

            if (_consecutiveFailures >= options.CircuitFailureThreshold)
            {
                // Half-open: one probe at a time decides whether the circuit closes.
                free = _probing ? 0 : Math.Min(free, 1);
            }

            if (_rate is not null)
            {
                free = (int)Math.Min(free, _rate.GetStatistics()?.CurrentAvailablePermits ?? 0);
            }

            return Math.Max(free, 0);
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

    public bool IsRateLimited => _rate is not null;

    /// <summary>Takes a slot for one delivery; false when the lane has none (the claim raced it).</summary>
    public bool TryStart(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (CapacityLocked(now) <= 0)
            {
                return false;
            }

            if (_rate is not null && !_rate.AttemptAcquire(1).IsAcquired)
            {
                return false;
            }

            _probing |= _consecutiveFailures >= options.CircuitFailureThreshold;
            _inFlight++;
            return true;
        }
    }

    /// <summary>Frees the slot and feeds the circuit: endpoint failures open it, a success closes it.</summary>
    public void Finish(bool? endpointHealthy, DateTimeOffset now)
    {
        lock (_gate)
        {
            _inFlight--;
            var wasProbe = _probing;
            _probing = false;
            if (endpointHealthy is null)
            {
                return;
            }

            if (endpointHealthy.Value)
            {
                _consecutiveFailures = 0;
                _openFor = options.CircuitOpenFor;
                return;
            }

            _consecutiveFailures++;
            if (_consecutiveFailures >= options.CircuitFailureThreshold)
            {
                _openUntil = now + _openFor;
                if (wasProbe)
                {
                    _openFor = TimeSpan.FromTicks(Math.Min(_openFor.Ticks * 2, options.CircuitMaxOpenFor.Ticks));
                }
            }
        }
    }

    public void Dispose() => _rate?.Dispose();

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
