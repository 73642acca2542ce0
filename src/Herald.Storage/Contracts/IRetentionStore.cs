namespace Herald.Storage;

/// <summary>
/// Deletes what is older than the retention period, in small batches so the single writer is never
/// held for long. Nothing pending, and no event a delivery still refers to, is ever deleted.
/// </summary>
public interface IRetentionStore
{
    /// <summary>Terminal deliveries (succeeded, failed, cancelled) last changed before <paramref name="cutoff"/>, with their attempts.</summary>
    Task<int> DeleteDeliveriesAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken);

    /// <summary>Events received before <paramref name="cutoff"/> that no delivery refers to any more.</summary>
    Task<int> DeleteEventsAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken);

    /// <summary>Idempotency keys recorded before <paramref name="cutoff"/>.</summary>
    Task<int> DeleteIdempotencyKeysAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken);

    /// <summary>Finished (completed or cancelled) replay jobs last changed before <paramref name="cutoff"/>.</summary>
    Task<int> DeleteReplayJobsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
