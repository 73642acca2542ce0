namespace Herald.Server;

/// <summary>
/// Bounds the publish bodies held in memory at once (<c>Herald:MaxIngestBytesInFlight</c>). A
/// publish reserves its body's length before reading it and keeps the reservation until its events
/// are stored; beyond the budget, requests wait their turn (first come, first served) without
/// reading, so the socket's own flow control slows the publisher instead of the heap growing. The
/// group-commit writer stores what it is given one batch at a time, so 64 publishers of 800-event
/// requests used to hold ~200 MB of bodies, copies and documents while they queued for it.
/// </summary>
internal sealed class IngestBudget
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private long _available;

    public IngestBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _available = capacity;
    }

    public long Capacity { get; }

    /// <summary>Bytes reserved now (for tests and diagnostics).</summary>
    public long InUse
    {
        get
        {
            lock (_gate)
            {
                return Capacity - _available;
            }
        }
    }

    /// <summary>
    /// Reserves <paramref name="bytes"/> (at most the whole budget: a body larger than it runs
    /// alone), waiting behind earlier requests while the budget is spent.
    /// </summary>
    public async ValueTask<Reservation> EnterAsync(long bytes, CancellationToken cancellationToken)
    {
        bytes = Math.Clamp(bytes, 1, Capacity);
        Waiter waiter;
        lock (_gate)
        {
            if (_waiting.Count == 0 && _available >= bytes)
            {
                _available -= bytes;
                return new Reservation(this, bytes);
            }

            waiter = new Waiter(bytes);
            waiter.Node = _waiting.AddLast(waiter);
        }

        using (cancellationToken.Register(static state =>
        {
            var (budget, w) = ((IngestBudget, Waiter))state!;
            budget.Cancel(w);
        }, (this, waiter)))
        {
            await waiter.Granted.Task.ConfigureAwait(false);
        }

        return new Reservation(this, bytes);
    }

    private bool Cancel(Waiter waiter)
    {
        List<Waiter>? ready;
        lock (_gate)
        {
            if (waiter.Node?.List is null)
            {
                // Granted already: the caller goes on and releases it as usual.
                return false;
            }

            _waiting.Remove(waiter.Node);
            waiter.Granted.TrySetCanceled();

            // The head left: those behind it may fit now.
            ready = GrantLocked();
        }

        Complete(ready);
        return true;
    }

    private void Release(long bytes)
    {
        List<Waiter>? ready;
        lock (_gate)
        {
            _available += bytes;
            ready = GrantLocked();
        }

        Complete(ready);
    }

    private List<Waiter>? GrantLocked()
    {
        List<Waiter>? ready = null;
        while (_waiting.First is { } first && first.Value.Bytes <= _available)
        {
            _waiting.RemoveFirst();
            _available -= first.Value.Bytes;
            (ready ??= []).Add(first.Value);
        }

        return ready;
    }

    private static void Complete(List<Waiter>? ready)
    {
        foreach (var waiter in ready ?? [])
        {
            waiter.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }

    /// <summary>A share of the budget; disposing it gives the share back (once).</summary>
    public sealed class Reservation(IngestBudget budget, long bytes) : IDisposable
    {
        private int _released;

        public long Bytes => bytes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Release(bytes);
            }
        }
    }
}
