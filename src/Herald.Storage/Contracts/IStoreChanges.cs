namespace Herald.Storage;

/// <summary>What kind of stored data changed.</summary>
public enum StoreChangeKind
{
    /// <summary>A webhook was created, edited, deleted or changed status (the id is the webhook's).</summary>
    Webhooks = 1,

    /// <summary>An API key was created or revoked (the id is the key's).</summary>
    ApiKeys = 2,

    /// <summary>Deliveries became due or may have (ingest, retry, replay, recovered leases); the id is null.</summary>
    DueWork = 3,
}

/// <summary>
/// One change notice. <paramref name="Id"/> names the changed item when the provider knows it; null
/// means "anything of this kind may have changed" (a coalesced notice, or one after a reconnect).
/// </summary>
public readonly record struct StoreChange(StoreChangeKind Kind, string? Id)
{
    public static StoreChange Any(StoreChangeKind kind) => new(kind, null);
}

/// <summary>
/// Tells every interested part (webhook registry, API-key cache, dispatcher wake-up) that stored
/// webhooks, keys or due work changed, whoever wrote them. The provider raises notices itself after
/// the write commits, so no caller has to remember to.
/// <list type="bullet">
/// <item>A notice for a write made through this node's stores reaches this node's handlers before
/// the write call returns (read-your-writes on the writing node).</item>
/// <item>Notices for writes made by other nodes arrive later (PostgreSQL: LISTEN/NOTIFY); the
/// provider may coalesce several into one with a null id, and raises a null-id notice of every
/// kind after it may have missed some (a lost connection).</item>
/// <item>Handlers must tolerate duplicates and notices for changes they cannot see: they react by
/// re-reading from the store, never by trusting the notice's content.</item>
/// <item>A handler that throws is logged and does not fail the write (which has committed).</item>
/// </list>
/// </summary>
public interface IStoreChanges
{
    /// <summary>Calls <paramref name="handler"/> for each notice of <paramref name="kind"/> until the result is disposed.</summary>
    IDisposable Subscribe(StoreChangeKind kind, Func<StoreChange, CancellationToken, ValueTask> handler);
}
