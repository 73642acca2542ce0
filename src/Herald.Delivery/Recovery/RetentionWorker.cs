using Herald.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Delivery.Recovery;

/// <summary>What one retention sweep deleted.</summary>
public sealed record RetentionSweep(DateTimeOffset Cutoff, int Deliveries, int Events, int IdempotencyKeys, int ReplayJobs);

/// <summary>
/// Deletes what is older than <see cref="RetentionOptions.Days"/>: at start, then every
/// <see cref="RetentionOptions.Interval"/> of <see cref="TimeProvider"/> time. Each batch is its own
/// small writer request, so attempts being recorded are never queued behind a big delete.
/// Retention runs once per cluster: each sweep first takes (or renews) the <c>retention</c> job
/// lease, held for one interval, and a node that does not get it skips the sweep.
/// </summary>
public sealed partial class RetentionWorker(
    IRetentionStore store,
    IJobLeases leases,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionWorker> logger) : BackgroundService
{
    public const string LeaseName = "retention";

    private readonly RetentionOptions _options = options.Value;
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Days == 0)
        {
            return;
        }

        await Task.Yield();
        // Created before the first sweep: ticks that come due while a sweep runs are not lost.
        using var timer = new PeriodicTimer(_options.Interval, time);
        try
        {
            do
            {
                try
                {
                    if (await leases.TryAcquireAsync(LeaseName, _owner, _options.Interval, stoppingToken))
                    {
                        await SweepAsync(stoppingToken);
                    }
                    else
                    {
                        Log.SweepSkipped(logger);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Whatever was not deleted now is deleted next time.
                    Log.SweepFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: another node need not wait for the lease to run out.
            try
            {
                await leases.ReleaseAsync(LeaseName, _owner, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SweepFailed(logger, ex);
            }
        }
    }

    /// <summary>One sweep: deliveries (with attempts) first, so the events they referred to can go next.</summary>
    public async Task<RetentionSweep> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(_options.Days);
        var deliveries = await store.DeleteDeliveriesAsync(cutoff, _options.BatchSize, cancellationToken);
        var events = await store.DeleteEventsAsync(cutoff, _options.BatchSize, cancellationToken);
        var keys = await store.DeleteIdempotencyKeysAsync(cutoff, _options.BatchSize, cancellationToken);
        var jobs = await store.DeleteReplayJobsAsync(cutoff, cancellationToken);
        var sweep = new RetentionSweep(cutoff, deliveries, events, keys, jobs);
        Log.Swept(logger, cutoff, deliveries, events, keys, jobs);
        return sweep;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Retention before {Cutoff:O}: deleted {Deliveries} deliveries, {Events} events, {Keys} idempotency keys, {Jobs} replay jobs")]
        public static partial void Swept(ILogger logger, DateTimeOffset cutoff, int deliveries, int events, int keys, int jobs);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "Retention sweep skipped: another node holds the retention lease")]
        public static partial void SweepSkipped(ILogger logger);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "A retention sweep failed; the next one picks up what is left")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
