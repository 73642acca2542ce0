namespace Herald.Core.Deliveries;

/// <summary>
/// Where the retry schedule's jitter comes from. One instance is shared by every sender; tests
/// register a seeded one so a run's retry times are reproducible.
/// </summary>
public sealed class RetryJitter(Random random)
{
    private readonly Lock _gate = new();

    /// <summary>Unseeded, for production.</summary>
    public static RetryJitter Shared { get; } = new(Random.Shared);

    /// <summary>A value in [0, 1) for <see cref="RetryPolicy.NextDelay"/>.</summary>
    public double NextUnit()
    {
        // A seeded Random is not thread-safe; attempts finish on many threads at once.
        lock (_gate)
        {
            return random.NextDouble();
        }
    }
}
