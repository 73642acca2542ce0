using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Storage.Postgres;

/// <summary>
/// What each node runs beside its stores: the LISTEN connection for other nodes' changes (started
/// before the host reports started, so nothing published after start is missed) and the periodic
/// re-measurement of the database clock's offset.
/// </summary>
internal sealed partial class PostgresNodeService(
    PostgresStoreChanges changes, PostgresClock clock, PostgresDatabase database, ILogger<PostgresNodeService>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await changes.StartAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(database.Options.ClockSyncInterval, stoppingToken).ConfigureAwait(false);
                var before = clock.Offset;
                await clock.SynchronizeAsync(stoppingToken).ConfigureAwait(false);
                Log.ClockSynchronized(_logger, clock.Offset.TotalMilliseconds, (clock.Offset - before).TotalMilliseconds, clock.Uncertainty.TotalMilliseconds);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The last offset stays in use; clocks drift by milliseconds per hour, not per minute.
                Log.ClockSyncFailed(_logger, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2411, Level = LogLevel.Debug, Message = "Database clock offset {OffsetMs:F2} ms (moved {DriftMs:F2} ms, ±{UncertaintyMs:F2} ms)")]
        public static partial void ClockSynchronized(ILogger logger, double offsetMs, double driftMs, double uncertaintyMs);

        [LoggerMessage(EventId = 2412, Level = LogLevel.Warning, Message = "Measuring the database clock failed; the last offset stays in use")]
        public static partial void ClockSyncFailed(ILogger logger, Exception exception);
    }
}
