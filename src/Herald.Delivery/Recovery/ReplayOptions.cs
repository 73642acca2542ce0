namespace Herald.Delivery.Recovery;

/// <summary>Settings under <c>Herald:Replay</c>.</summary>
public sealed class ReplayOptions
{
    /// <summary>Events (or failed deliveries) per chunk; each chunk is one writer request. Default 500.</summary>
    public int ChunkSize { get; set; } = 500;

    /// <summary>
    /// Pause after each round of chunks, so a large replay yields to live traffic; a new job ends it
    /// early. Default none.
    /// </summary>
    public TimeSpan ChunkPause { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How often an idle worker looks for running jobs. A new job wakes it at once; this only bounds
    /// how late a job inserted by another route (a restore) is noticed. Default 30 s.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    internal bool IsValid(out string? error)
    {
        error = ChunkSize is < 1 or > 10_000 ? "Herald:Replay:ChunkSize must be from 1 to 10000"
            : ChunkPause < TimeSpan.Zero ? "Herald:Replay:ChunkPause must not be negative"
            : PollInterval <= TimeSpan.Zero ? "Herald:Replay:PollInterval must be positive"
            : null;
        return error is null;
    }
}
