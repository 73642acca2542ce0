namespace Herald.Receiver;

/// <summary>Settings shared by the de-duplication stores.</summary>
public sealed class DeliveryDeduplicationOptions
{
    /// <summary>
    /// How long a processed delivery id is remembered. Default 3 days: Herald's default retry schedule
    /// spans about 28 hours (33 with jitter), so every automatic retry of a delivery falls inside it.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// How long an in-progress claim holds before it lapses (e.g. because the process died mid-handler).
    /// Default 5 minutes; keep it above your handler's longest run.
    /// </summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// In-memory store only: the most ids held at once; the oldest are evicted beyond it. Default 100 000.
    /// </summary>
    public int Capacity { get; set; } = 100_000;

    /// <summary>SQLite store only: how often expired rows are deleted. Default 1 minute.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    internal void Validate(string paramName)
    {
        if (Retention <= TimeSpan.Zero)
        {
            throw new ArgumentException("Retention must be positive.", paramName);
        }

        if (ClaimTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("ClaimTimeout must be positive.", paramName);
        }

        if (Capacity <= 0)
        {
            throw new ArgumentException("Capacity must be positive.", paramName);
        }

        if (CleanupInterval < TimeSpan.Zero)
        {
            throw new ArgumentException("CleanupInterval must not be negative.", paramName);
        }
    }
}
