using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Storage.Sqlite;

/// <summary>
/// In-process change notices: one process owns the file, so every write passes through these stores
/// and a notice is raised right after its commit, awaited before the write returns.
/// </summary>
internal sealed partial class SqliteStoreChanges(ILogger<SqliteStoreChanges>? logger = null) : IStoreChanges
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private ImmutableArray<Subscription> _subscriptions = [];

    public IDisposable Subscribe(StoreChangeKind kind, Func<StoreChange, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, kind, handler);
        ImmutableInterlocked.Update(ref _subscriptions, (all, s) => all.Add(s), subscription);
        return subscription;
    }

    /// <summary>Raises <paramref name="change"/> to every handler of its kind; called after the write committed.</summary>
    public async ValueTask RaiseAsync(StoreChange change)
    {
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Kind != change.Kind)
            {
                continue;
            }

            try
            {
                // Not the write's token: the write has committed, its notice must not be lost.
                await subscription.Handler(change, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, change.Kind, ex);
            }
        }
    }

    /// <summary>Awaits <paramref name="write"/>, then raises the notices its result implies.</summary>
    public async Task<T> AfterAsync<T>(Task<T> write, Func<T, StoreChange?> change)
    {
        var result = await write;
        if (change(result) is { } notice)
        {
            await RaiseAsync(notice);
        }

        return result;
    }

    /// <summary>Awaits <paramref name="write"/>, then raises each notice its result implies.</summary>
    public async Task<T> AfterEachAsync<T>(Task<T> write, Func<T, IEnumerable<StoreChange>> changes)
    {
        var result = await write;
        foreach (var notice in changes(result))
        {
            await RaiseAsync(notice);
        }

        return result;
    }

    private sealed class Subscription(SqliteStoreChanges owner, StoreChangeKind kind, Func<StoreChange, CancellationToken, ValueTask> handler) : IDisposable
    {
        public StoreChangeKind Kind { get; } = kind;

        public Func<StoreChange, CancellationToken, ValueTask> Handler { get; } = handler;

        public void Dispose() => ImmutableInterlocked.Update(ref owner._subscriptions, (all, s) => all.Remove(s), this);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "A handler of a {Kind} change notice failed; the change itself is stored")]
        public static partial void HandlerFailed(ILogger logger, StoreChangeKind kind, Exception exception);
    }
}
