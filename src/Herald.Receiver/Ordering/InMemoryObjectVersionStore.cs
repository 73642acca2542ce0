using System.Collections.Concurrent;

namespace Herald.Receiver;

/// <summary>
/// A process-local <see cref="IObjectVersionStore{TVersion}"/>. It keeps one version per object id and is not
/// bounded: for very many objects, or to survive restarts, implement the interface on your own database
/// (often the table that already holds the objects and their <c>updatedAt</c>).
/// </summary>
/// <typeparam name="TVersion">The version type.</typeparam>
public sealed class InMemoryObjectVersionStore<TVersion> : IObjectVersionStore<TVersion>
    where TVersion : notnull
{
    private readonly ConcurrentDictionary<string, TVersion> versions = new(StringComparer.Ordinal);
    private readonly IComparer<TVersion> comparer;

    /// <summary>Creates an empty store.</summary>
    /// <param name="comparer">Orders versions; <see cref="Comparer{T}.Default"/> when null.</param>
    public InMemoryObjectVersionStore(IComparer<TVersion>? comparer = null)
    {
        this.comparer = comparer ?? Comparer<TVersion>.Default;
    }

    /// <summary>The number of objects with a recorded version.</summary>
    public int Count => versions.Count;

    /// <inheritdoc />
    public ValueTask<bool> IsNewerAsync(string objectId, TVersion version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        var newer = !versions.TryGetValue(objectId, out var current) || comparer.Compare(version, current) > 0;
        return ValueTask.FromResult(newer);
    }

    /// <inheritdoc />
    public ValueTask<bool> TryAdvanceAsync(string objectId, TVersion version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        ArgumentNullException.ThrowIfNull(version);
        // Compare-and-swap loop: a concurrent writer makes TryAdd/TryUpdate fail and we look again.
        while (true)
        {
            if (!versions.TryGetValue(objectId, out var current))
            {
                if (versions.TryAdd(objectId, version))
                {
                    return ValueTask.FromResult(true);
                }

                continue;
            }

            if (comparer.Compare(version, current) <= 0)
            {
                return ValueTask.FromResult(false);
            }

            if (versions.TryUpdate(objectId, version, current))
            {
                return ValueTask.FromResult(true);
            }
        }
    }
}
