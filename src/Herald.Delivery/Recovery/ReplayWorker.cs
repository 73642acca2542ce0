using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Webhooks;
using Herald.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Delivery.Recovery;

/// <summary>
/// Runs replay jobs: one chunk per running job per round, each committed with the job's cursor, so
/// jobs progress side by side and a restart resumes where the last commit left off. Every chunk that
/// made work wakes the dispatcher (the store raises a due-work notice when a chunk commits).
/// Replays run on one node of a cluster at a time: each round first takes (or renews) the
/// <c>replay</c> job lease; a node that does not get it waits a poll interval and asks again.
/// </summary>
public sealed partial class ReplayWorker(
    IReplayStore store,
    IJobLeases leases,
    WebhookRegistry registry,
    IOptions<ReplayOptions> options,
    TimeProvider time,
    ILogger<ReplayWorker> logger) : BackgroundService
{
    public const string LeaseName = "replay";

    private readonly ReplayOptions _options = options.Value;
    private readonly DispatchSignal _wake = new();
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Long enough to outlast a round and a pause; short enough that another node takes over soon after this one stops.</summary>
    private TimeSpan LeaseTtl => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, 4 * Math.Max(_options.PollInterval.Ticks, _options.ChunkPause.Ticks)));

    /// <summary>A job was created: look now instead of at the next poll.</summary>
    public void Notify() => _wake.Notify();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start path: the first look at the store must not delay the host's start.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await leases.TryAcquireAsync(LeaseName, _owner, LeaseTtl, stoppingToken))
                {
                    await _wake.WaitAsync(_options.PollInterval, time, stoppingToken);
                    continue;
                }

                var jobs = await store.ListRunningAsync(stoppingToken);
                if (jobs.Count == 0)
                {
                    await _wake.WaitAsync(_options.PollInterval, time, stoppingToken);
                    continue;
                }

                foreach (var job in jobs)
                {
                    await RunChunkAsync(job, stoppingToken);
                }

                if (_options.ChunkPause > TimeSpan.Zero)
                {
                    // A new job ends the pause: it gets its first chunk at once.
                    await _wake.WaitAsync(_options.ChunkPause, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A database hiccup must not end replays: the cursor is durable, so just try again.
                Log.RoundFailed(logger, ex);
                await _wake.WaitAsync(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }

        await ReleaseLeaseAsync();
    }

    /// <summary>Stopping: another node need not wait for the lease to run out.</summary>
    private async Task ReleaseLeaseAsync()
    {
        try
        {
            await leases.ReleaseAsync(LeaseName, _owner, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RoundFailed(logger, ex);
        }
    }

    /// <summary>Processes one chunk of <paramref name="job"/>; returns the job after it, or null when it stopped meanwhile.</summary>
    internal async Task<ReplayJob?> RunChunkAsync(ReplayJob job, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (registry.Current.Find(job.WebhookId) is not { } webhook)
        {
            Log.WebhookGone(logger, job.Id, job.WebhookId);
            return await store.CancelAsync(job.Id, null, now, cancellationToken);
        }

        var chunk = job.OnlyFailed
            ? await ReadFailedAsync(job, now, cancellationToken)
            : await ReadEventsAsync(job, webhook, now, cancellationToken);
        var after = await store.CommitChunkAsync(chunk, cancellationToken);
        if (after is null)
        {
            return null;
        }

        if (after.Status == ReplayJobStatus.Completed)
        {
            Log.Completed(logger, after.Id, after.WebhookId, after.EventsScanned, after.DeliveriesCreated);
        }

        return after;
    }

    private async Task<ReplayChunk> ReadEventsAsync(ReplayJob job, IndexedWebhook webhook, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var events = await store.ReadEventsAsync(job, webhook.Webhook.EventType, _options.ChunkSize, cancellationToken);
        var matcher = new ReplayMatcher(webhook);
        var deliveries = new List<NewDelivery>();
        foreach (var stored in events)
        {
            if (matcher.Matches(stored.Event))
            {
                // An ordered webhook's replayed deliveries queue per object behind what is pending.
                deliveries.Add(new NewDelivery(
                    Guid.CreateVersion7(now).ToString(), webhook.Webhook.Id, stored.Id, stored.Event.ObjectId, webhook.Webhook.DomainId, now,
                    Ordered: webhook.Webhook.Ordering == WebhookOrdering.Object));
            }
        }

        return new ReplayChunk(
            job.Id, job.Cursor, events.Count > 0 ? events[^1].Id : null, events.Count, deliveries, [], events.Count < _options.ChunkSize, now);
    }

    private async Task<ReplayChunk> ReadFailedAsync(ReplayJob job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var failed = await store.ReadFailedAsync(job, _options.ChunkSize, cancellationToken);
        return new ReplayChunk(
            job.Id, job.Cursor, failed.Count > 0 ? failed[^1] : null, failed.Count, [], failed, failed.Count < _options.ChunkSize, now);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Replay {JobId} of webhook {WebhookId} completed: {Scanned} scanned, {Created} deliveries")]
        public static partial void Completed(ILogger logger, string jobId, string webhookId, long scanned, long created);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Replay {JobId} cancelled: webhook {WebhookId} no longer exists")]
        public static partial void WebhookGone(ILogger logger, string jobId, string webhookId);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "A replay round failed; it is retried from the last committed chunk")]
        public static partial void RoundFailed(ILogger logger, Exception exception);
    }
}
