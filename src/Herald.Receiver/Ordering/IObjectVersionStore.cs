namespace Herald.Receiver;

/// <summary>
/// Remembers, per object id, the version of the last event applied to it (for example its
/// <c>updatedAt</c>), so that <see cref="OrderingGuard{TVersion}"/> can drop events that arrive late.
/// </summary>
/// <typeparam name="TVersion">A comparable version: a timestamp, a sequence number, ...</typeparam>
public interface IObjectVersionStore<in TVersion>
    where TVersion : notnull
{
    /// <summary>True when nothing was applied to <paramref name="objectId"/> yet or <paramref name="version"/> is
    /// strictly newer than the last version applied.</summary>
    /// <param name="objectId">The object id.</param>
    /// <param name="version">The incoming event's version.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask<bool> IsNewerAsync(string objectId, TVersion version, CancellationToken cancellationToken = default);

    /// <summary>Atomically records <paramref name="version"/> as applied when it is strictly newer than the
    /// stored one.</summary>
    /// <param name="objectId">The object id.</param>
    /// <param name="version">The version that was applied.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>False when the stored version was already the same or newer.</returns>
    ValueTask<bool> TryAdvanceAsync(string objectId, TVersion version, CancellationToken cancellationToken = default);
}
