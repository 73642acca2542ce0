namespace Herald.Core.Deliveries;

/// <summary>
/// When the next attempt happens. The schedule lists delays (seconds) after each failed attempt;
/// a delivery has one first attempt plus one per entry.
/// </summary>
public static class RetryPolicy
{
    /// <summary>5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.</summary>
    public static IReadOnlyList<int> DefaultSchedule { get; } = [5, 300, 1800, 7200, 18000, 36000, 36000];

    /// <summary>±20 %.</summary>
    public const double Jitter = 0.2;

    /// <summary>Throttling and gateway answers are never retried sooner than this unless the schedule says more.</summary>
    public static readonly TimeSpan ThrottleFloor = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The delay before the next attempt after <paramref name="attemptsMade"/> failed attempts,
    /// or null when the schedule is exhausted. <paramref name="unitRandom"/> in [0, 1) picks the jitter.
    /// </summary>
    public static TimeSpan? NextDelay(int attemptsMade, IReadOnlyList<int>? schedule, double unitRandom)
    {
        schedule ??= DefaultSchedule;
        if (attemptsMade < 1 || attemptsMade > schedule.Count)
        {
            return null;
        }

        var seconds = schedule[attemptsMade - 1];
        var factor = 1 - Jitter + (2 * Jitter * Math.Clamp(unitRandom, 0, 1));
        return TimeSpan.FromSeconds(seconds * factor);
    }

    /// <summary>
    /// Applies a target's <c>Retry-After</c> to a scheduled delay: honoured within [scheduled, 2×scheduled].
    /// </summary>
    public static TimeSpan ApplyRetryAfter(TimeSpan scheduled, TimeSpan? retryAfter) =>
        retryAfter is { } wanted ? TimeSpan.FromTicks(Math.Clamp(wanted.Ticks, scheduled.Ticks, scheduled.Ticks * 2)) : scheduled;

    /// <summary>Statuses (and timeouts, status 0 with a timeout) that mean "slow down".</summary>
    public static bool IsThrottle(int statusCode) => statusCode is 429 or 502 or 503 or 504;
}
