using System.Collections.Immutable;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Change notices across nodes. A write made through this node's stores sends
/// <c>pg_notify('herald_changes', …)</c> in its own transaction (PostgreSQL delivers it only if
/// the transaction commits) and raises this node's handlers itself before the call returns
/// (read-your-writes). One dedicated connection per process LISTENs and raises handlers for other
/// nodes' notices (its own, recognised by the node tag in the payload, were raised already). After
/// a lost connection it reconnects with backoff, then raises a null-id notice of every kind, since
/// notices sent meanwhile are gone.
/// </summary>
internal sealed partial class PostgresStoreChanges : IStoreChanges, IAsyncDisposable
{
    private static readonly StoreChangeKind[] Kinds = Enum.GetValues<StoreChangeKind>();
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(15);

    private readonly PostgresDatabase _database;
    private readonly ILogger _logger;
    private readonly Channel<StoreChange> _remote = System.Threading.Channels.Channel.CreateUnbounded<StoreChange>(new() { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ImmutableArray<Subscription> _subscriptions = [];
    private Task? _listener;
    private Task? _dispatcher;
    private int _connections;

    public PostgresStoreChanges(PostgresDatabase database, ILogger<PostgresStoreChanges>? logger = null)
    {
        _database = database;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The notification channel: <c>herald_changes</c>, or <c>herald_changes_{schema}</c> for a schema of its own.</summary>
    public string Channel => _database.Channel;

    /// <summary>Tells this process's notices from other nodes'.</summary>
    public string NodeTag { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>How many times the listening connection was (re)opened; a test sees reconnects by it.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public IDisposable Subscribe(StoreChangeKind kind, Func<StoreChange, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, kind, handler);
        ImmutableInterlocked.Update(ref _subscriptions, (all, s) => all.Add(s), subscription);
        return subscription;
    }

    /// <summary>The text other nodes receive for <paramref name="kind"/> and <paramref name="id"/>: kind, node tag, id.</summary>
    public string Payload(StoreChangeKind kind, string? id) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)kind}|{NodeTag}|{id}");

    /// <summary>A statement that sends <paramref name="kind"/>'s notice for <paramref name="id"/> when its transaction commits.</summary>
    public NpgsqlBatchCommand Notify(StoreChangeKind kind, string? id) =>
        PostgresDatabase.BatchCommand("SELECT pg_notify('" + Channel + "', $1)", Payload(kind, id));

    /// <summary>Starts listening; completes once the first LISTEN is in place (or fails with why it could not be).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_stopping)
        {
            _listener ??= Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
            _dispatcher ??= Task.Run(() => DispatchAsync(_stopping.Token), CancellationToken.None);
        }

        return _listening.Task.WaitAsync(cancellationToken);
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
                await subscription.Handler(change, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, change.Kind, ex);
            }
        }
    }

    /// <summary>Awaits <paramref name="write"/>, then raises the notice its result implies on this node.</summary>
    public async Task<T> AfterAsync<T>(Task<T> write, Func<T, StoreChange?> change)
    {
        var result = await write.ConfigureAwait(false);
        if (change(result) is { } notice)
        {
            await RaiseAsync(notice).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Awaits <paramref name="write"/>, then raises each notice its result implies on this node.</summary>
    public async Task<T> AfterEachAsync<T>(Task<T> write, Func<T, IEnumerable<StoreChange>> changes)
    {
        var result = await write.ConfigureAwait(false);
        foreach (var notice in changes(result))
        {
            await RaiseAsync(notice).ConfigureAwait(false);
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as IStoreChanges (a factory), so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _remote.Writer.TryComplete();
        foreach (var task in new[] { _listener, _dispatcher })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _stopping.Dispose();
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        var backoff = FirstBackoff;
        var lost = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _database.ListenerDataSource.OpenConnectionAsync(stopping).ConfigureAwait(false);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }

                Interlocked.Increment(ref _connections);
                _listening.TrySetResult();
                if (lost)
                {
                    Log.Reconnected(_logger);
                    foreach (var kind in Kinds)
                    {
                        _remote.Writer.TryWrite(StoreChange.Any(kind));
                    }
                }

                backoff = FirstBackoff;
                while (true)
                {
                    // A quiet connection is probed now and then, so a dead one is noticed.
                    if (!await connection.WaitAsync(IdleCheck, stopping).ConfigureAwait(false))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                lost = true;
                Log.ListenFailed(_logger, backoff, ex);
                try
                {
                    await Task.Delay(backoff, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (Parse(e.Payload) is { } change)
        {
            _remote.Writer.TryWrite(change);
        }
    }

    private StoreChange? Parse(string payload)
    {
        var parts = payload.Split('|', 3);
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kind)
            || !Enum.IsDefined((StoreChangeKind)kind))
        {
            return null;
        }

        // This node's own notices were raised when its write returned.
        return string.Equals(parts[1], NodeTag, StringComparison.Ordinal)
            ? null
            : new StoreChange((StoreChangeKind)kind, parts[2].Length == 0 ? null : parts[2]);
    }

    private async Task DispatchAsync(CancellationToken stopping)
    {
        var batch = new HashSet<StoreChange>();
        try
        {
            while (await _remote.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                // Whatever queued up while handlers ran is raised once each (a burst of ingests is one DueWork).
                batch.Clear();
                while (_remote.Reader.TryRead(out var change))
                {
                    batch.Add(change);
                }

                foreach (var change in batch)
                {
                    await RaiseAsync(change).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private sealed class Subscription(PostgresStoreChanges owner, StoreChangeKind kind, Func<StoreChange, CancellationToken, ValueTask> handler) : IDisposable
    {
        public StoreChangeKind Kind { get; } = kind;

        public Func<StoreChange, CancellationToken, ValueTask> Handler { get; } = handler;

        public void Dispose() => ImmutableInterlocked.Update(ref owner._subscriptions, (all, s) => all.Remove(s), this);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "A handler of a {Kind} change notice failed; the change itself is stored")]
        public static partial void HandlerFailed(ILogger logger, StoreChangeKind kind, Exception exception);

        [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "Listening for other nodes' changes failed; connecting again in {Backoff}")]
        public static partial void ListenFailed(ILogger logger, TimeSpan backoff, Exception exception);

        [LoggerMessage(EventId = 2403, Level = LogLevel.Information, Message = "Listening for other nodes' changes again; everything is re-read once")]
        public static partial void Reconnected(ILogger logger);
    }
}
