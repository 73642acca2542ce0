namespace Herald.Delivery.Recovery;

/// <summary>Settings under <c>Herald:Retention</c>.</summary>
public sealed class RetentionOptions
{
    /// <summary>
    /// How long terminal deliveries, their attempts, events, idempotency keys and finished replay
    /// jobs are kept. Default 14 (PRODUCT.md §5); 0 keeps everything.
    /// </summary>
    public int Days { get; set; } = 14;

    /// <summary>Time between sweeps; the first runs at start. Default 1 hour.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows per delete request to the writer: small, so delivery is never held up for long. Default 500.</summary>
    public int BatchSize { get; set; } = 500;

    internal bool IsValid(out string? error)
    {
        error = Days < 0 ? "Herald:Retention:Days must not be negative"
            : Interval <= TimeSpan.Zero ? "Herald:Retention:Interval must be positive"
            : BatchSize is < 1 or > 10_000 ? "Herald:Retention:BatchSize must be from 1 to 10000"
            : null;
        return error is null;
    }
}
