using System.Threading.Channels;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Webhooks;
using Herald.Storage;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// Writes attempt records in batches: whatever finished while the previous batch was being written
/// goes into the next one, as one store call. A sender hands its record over and moves on to its
/// next delivery; the queue is bounded, so a store that falls behind slows the senders instead of
/// filling memory. After each batch it publishes the operational events the batch caused.
/// </summary>
internal sealed partial class AttemptRecorder
{
    private const int MaxBatch = 512;

    /// <summary>Pauses before writing a failed batch again; short against the lease (150 s).</summary>
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly Channel<Finished> _queue = Channel.CreateBounded<Finished>(
        new BoundedChannelOptions(4 * MaxBatch) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly IDeliveryStore _store;
    private readonly IOperationalEvents _events;
    private readonly DispatchSignal _signal;
    private readonly DispatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _loop;

    public AttemptRecorder(
        IDeliveryStore store, IOperationalEvents events, DispatchSignal signal, DispatcherOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _events = events;
        _signal = signal;
        _options = options;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues one attempt's record; waits only while the queue is full.</summary>
    public ValueTask RecordAsync(Webhook webhook, ClaimedDelivery delivery, AttemptRecord record) =>
        _queue.Writer.WriteAsync(new Finished(webhook, delivery, record));

    /// <summary>Writes what is queued and stops.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<Finished>(MaxBatch);
        var records = new List<AttemptRecord>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var finished))
            {
                batch.Add(finished);
                records.Add(finished.Record);
            }

            await WriteWithRetriesAsync(batch, records);

            batch.Clear();
            records.Clear();
            _signal.Notify();
        }
    }

    /// <summary>
    /// A failed write (a locked or briefly full disk) is tried again after a pause, well within the
    /// leases, so a passing hiccup neither loses the attempts' outcome nor sends them twice. The
    /// queue waits meanwhile, which slows the senders. When every try fails the leases are left to
    /// run out: the deliveries are sent again, never lost.
    /// </summary>
    private async Task WriteWithRetriesAsync(List<Finished> batch, List<AttemptRecord> records)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                await WriteAsync(batch, records);
                return;
            }
            catch (Exception ex)
            {
                if (failures == RetryDelays.Length)
                {
                    Log.WriteFailed(_logger, records.Count, ex);
                    return;
                }

                Log.WriteRetrying(_logger, records.Count, RetryDelays[failures].TotalSeconds, ex);
            }

            await Task.Delay(RetryDelays[failures], _time);
        }
    }

    private async Task WriteAsync(List<Finished> batch, List<AttemptRecord> records)
    {
        var changes = await _store.CompleteAsync(records, _time.GetUtcNow(), _options.DisableAfter, CancellationToken.None);
        foreach (var change in changes)
        {
            Log.StatusChanged(_logger, change.WebhookId, change.From.ToWire(), change.To.ToWire());
        }

        // A record the store ignored was stale (its lease was taken by another claim, given back
        // or the delivery cancelled meanwhile): the attempt's outcome is not the delivery's.
        var ignored = changes.Ignored.Count == 0 ? null : changes.Ignored.ToHashSet(StringComparer.Ordinal);
        foreach (var (webhook, delivery, record) in batch)
        {
            if (ignored is not null && ignored.Contains(delivery.Id))
            {
                Log.Ignored(_logger, delivery.Id, record.Number);
                continue;
            }

            var mine = changes.Count == 0 ? [] : changes.Where(c => c.DeliveryId == delivery.Id).ToList();
            try
            {
                await _events.AttemptRecordedAsync(webhook, delivery, record, mine);
            }
            catch (Exception ex)
            {
                Log.EventsFailed(_logger, delivery.Id, ex);
            }
        }
    }

    private readonly record struct Finished(Webhook Webhook, ClaimedDelivery Delivery, AttemptRecord Record);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Webhook {WebhookId} went from {From} to {To}")]
        public static partial void StatusChanged(ILogger logger, string webhookId, string from, string to);

        [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Recording {Count} attempts failed; their leases will expire and the deliveries will be retried")]
        public static partial void WriteFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Recording {Count} attempts failed; trying again in {DelaySeconds} s")]
        public static partial void WriteRetrying(ILogger logger, int count, double delaySeconds, Exception exception);

        [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "The result of attempt {Attempt} of delivery {DeliveryId} came after its lease was taken, given back or cancelled; it was not recorded")]
        public static partial void Ignored(ILogger logger, string deliveryId, int attempt);

        [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Publishing the operational events of delivery {DeliveryId} failed")]
        public static partial void EventsFailed(ILogger logger, string deliveryId, Exception exception);
    }
}
