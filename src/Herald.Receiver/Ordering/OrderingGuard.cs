namespace Herald.Receiver;

/// <summary>
/// Applies events per object in version order: an event whose version is not newer than the last one
/// applied to its object is dropped. Deliveries may arrive out of order (a retry overtaken by a later event);
/// the guard keeps an older state from overwriting a newer one.
/// </summary>
/// <remarks>
/// Events for one object are serialized within this process, so the check, the apply and the record happen
/// as one step: two concurrent events for the same object cannot both pass the check and then apply in the
/// wrong order. The version is recorded only after <c>apply</c> succeeded, so a failed event can be
/// retried. Processes sharing one store are not serialized against each other.
/// </remarks>
/// <typeparam name="TVersion">A comparable version, e.g. <see cref="DateTimeOffset"/> for <c>updatedAt</c>.</typeparam>
public sealed class OrderingGuard<TVersion>
    where TVersion : notnull
{
    private readonly IObjectVersionStore<TVersion> store;
    private readonly KeyedLock locks = new();

    /// <summary>Creates a guard over <paramref name="store"/>.</summary>
    /// <param name="store">Where applied versions are kept; a new <see cref="InMemoryObjectVersionStore{TVersion}"/> when null.</param>
    public OrderingGuard(IObjectVersionStore<TVersion>? store = null)
    {
        this.store = store ?? new InMemoryObjectVersionStore<TVersion>();
    }

    /// <summary>
    /// Runs <paramref name="apply"/> when <paramref name="version"/> is newer than the last version applied to
    /// <paramref name="objectId"/>, then records it; otherwise does nothing.
    /// </summary>
    /// <param name="objectId">The object the event is about.</param>
    /// <param name="version">The event's version.</param>
    /// <param name="apply">Applies the event; an exception propagates and nothing is recorded.</param>
    /// <param name="cancellationToken">Cancels waiting for the object and is passed to <paramref name="apply"/>.</param>
    /// <returns>Whether the event was applied or dropped as stale.</returns>
    public async ValueTask<OrderingOutcome> RunAsync(
        string objectId, TVersion version, Func<CancellationToken, ValueTask> apply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(apply);
        using (await locks.AcquireAsync(objectId, cancellationToken))
        {
            if (!await store.IsNewerAsync(objectId, version, cancellationToken))
            {
                return OrderingOutcome.Stale;
            }

            await apply(cancellationToken);
            // Not cancellable: the event has been applied, and forgetting that would let an older one through.
            await store.TryAdvanceAsync(objectId, version, CancellationToken.None);
            return OrderingOutcome.Applied;
        }
    }
}
