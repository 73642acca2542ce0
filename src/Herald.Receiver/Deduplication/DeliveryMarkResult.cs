namespace Herald.Receiver;

/// <summary>The answer of <see cref="IDeliveryDeduplicationStore.TryMarkSeenAsync"/>.</summary>
public enum DeliveryMarkResult
{
    /// <summary>First sight (or the earlier mark expired): this caller claimed the id and should process it.</summary>
    Marked,

    /// <summary>The delivery was already processed: skip it and answer success.</summary>
    Duplicate,

    /// <summary>
    /// Another request is processing the same delivery right now. Its outcome is unknown, so answer a
    /// non-2xx status and let the sender retry later.
    /// </summary>
    InProgress,
}
