using System.Threading.Channels;
using Herald.Storage;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// Wakes the dispatcher the moment there is new work (an ingest committed, a slot freed, a retry
/// requested), so fresh events never wait for a polling interval. Signals coalesce.
/// </summary>
public sealed class DispatchSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Notify() => _channel.Writer.TryWrite(true);

    /// <summary>Wakes on every due-work notice of the store, whoever wrote (ingest, retry, replay, another node).</summary>
    public IDisposable WakeOn(IStoreChanges changes) =>
        changes.Subscribe(StoreChangeKind.DueWork, (_, _) =>
        {
            Notify();
            return ValueTask.CompletedTask;
        });

    /// <summary>Waits for a signal or until <paramref name="timeout"/> passes on <paramref name="time"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out _))
        {
            return;
        }

        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await _channel.Reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout passed: time to look for due retries.
        }
    }
}
