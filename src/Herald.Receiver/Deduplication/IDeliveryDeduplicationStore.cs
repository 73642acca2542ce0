namespace Herald.Receiver;

/// <summary>
/// Remembers which delivery ids (<c>webhook-id</c> / <c>X-Webhook-Delivery-Id</c>) were already handled,
/// so that a redelivery of the same delivery is skipped.
/// </summary>
/// <remarks>
/// <para>A delivery goes through two marks. <see cref="TryMarkSeenAsync"/> atomically claims the id
/// (an <em>in-progress</em> mark that lapses after a claim timeout); after the handler succeeded,
/// <see cref="MarkProcessedAsync"/> turns it into a <em>processed</em> mark kept for the retention period;
/// if the handler failed, <see cref="ForgetAsync"/> drops the claim so that the sender's retry is handled.</para>
/// <para>Why two marks: marking only after success lets two concurrent copies both run the handler, and
/// marking before success would swallow the retry of a delivery whose handler failed. The claim closes
/// both holes, and because it lapses, a process that dies mid-handler does not block the delivery forever.</para>
/// <para>Implementations must make <see cref="TryMarkSeenAsync"/> atomic: of concurrent calls for one id,
/// exactly one may return <see cref="DeliveryMarkResult.Marked"/>.</para>
/// </remarks>
public interface IDeliveryDeduplicationStore
{
    /// <summary>
    /// Atomically claims <paramref name="deliveryId"/> unless it is already marked (and the mark has not
    /// expired).
    /// </summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="DeliveryMarkResult.Marked"/> when this call claimed it and the caller should
    /// process the delivery; otherwise why not.</returns>
    ValueTask<DeliveryMarkResult> TryMarkSeenAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Records <paramref name="deliveryId"/> as processed, for the retention period.</summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask MarkProcessedAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops an in-progress claim on <paramref name="deliveryId"/> so that a later delivery of it is
    /// processed again. A processed mark is left alone.
    /// </summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask ForgetAsync(string deliveryId, CancellationToken cancellationToken = default);
}
