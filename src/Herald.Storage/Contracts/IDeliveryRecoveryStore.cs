namespace Herald.Storage;

public enum CancelOutcome
{
    NotFound,
    NotPending,
    Cancelled,
}

/// <summary>Operator actions on deliveries: cancel one, cancel a webhook's pending ones, retry its failed ones.</summary>
public interface IDeliveryRecoveryStore
{
    /// <summary>
    /// Cancels a pending delivery, also one leased to an attempt in flight (that attempt's outcome is
    /// still logged, but no longer moves the delivery).
    /// </summary>
    Task<CancelOutcome> CancelAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Cancels every pending delivery of a webhook created up to <paramref name="now"/>; returns how many.</summary>
    Task<int> CancelPendingAsync(string webhookId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Makes every failed delivery of a webhook pending and due at <paramref name="now"/>; returns how many.</summary>
    Task<int> RetryFailedAsync(string webhookId, DateTimeOffset now, CancellationToken cancellationToken);
}
