using Herald.Core.Deliveries;
using Herald.Delivery.Metrics;
using Herald.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// Keeps this node's share of the webhook partitions when nodes share the store: every
/// <see cref="PartitionOptions.RebalanceEvery"/> it renews its leases, takes free partitions up to its
/// fair share, and hands its surplus over — no new claims for it, its waiting deliveries given back,
/// and the partition given back only once nothing of it is in flight here. On a graceful stop, after
/// the dispatcher has finished, it gives every partition back. When renewal keeps failing it fences
/// itself: no attempt starts once its leases could have run out. On a store one process owns it does
/// nothing, and the dispatcher claims for every webhook.
/// </summary>
public sealed partial class PartitionBalancer : BackgroundService
{
    private readonly IPartitionLeases _leases;
    private readonly PartitionOwnership _ownership;
    private readonly IPartitionWork _work;
    private readonly DispatchSignal _signal;
    private readonly PartitionOptions _options;
    private readonly string _node;
    private readonly TimeProvider _time;
    private readonly ILogger<PartitionBalancer> _logger;
    private readonly Lock _gate = new();
    private HashSet<int> _owned = [];
    private HashSet<int> _handingOver = [];
    private int _liveNodes;
    private bool _failing;

    public PartitionBalancer(
        IPartitionLeases leases,
        PartitionOwnership ownership,
        IPartitionWork work,
        DispatchSignal signal,
        IOptions<PartitionOptions> options,
        IOptions<DispatcherOptions> dispatcher,
        TimeProvider time,
        ILogger<PartitionBalancer> logger,
        HeraldMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dispatcher);
        _leases = leases;
        _ownership = ownership;
        _work = work;
        _signal = signal;
        _options = options.Value;
        _node = dispatcher.Value.NodeId;
        _time = time;
        _logger = logger;
        metrics?.Meter.CreateObservableGauge(
            "herald.partitions.owned", () => _ownership.Owned, "{partition}", $"Webhook partitions (of {LanePartitions.Count}) this node owns and sends for, including those it is handing over.");
    }

    /// <summary>Partitions this node is handing over (owned, no longer claimed, waiting for work in flight).</summary>
    public int HandingOver
    {
        get
        {
            lock (_gate)
            {
                return _handingOver.Count;
            }
        }
    }

    /// <summary>Live nodes as of the last round, this one included (0 before the first).</summary>
    public int LiveNodes => Volatile.Read(ref _liveNodes);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_leases.Shared)
        {
            // Until the first round, this node owns nothing: it claims nothing.
            _ownership.Set(new HashSet<int>(), 0, DateTimeOffset.MinValue);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_leases.Shared)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunRoundAsync(stoppingToken);
                if (_failing)
                {
                    _failing = false;
                    Log.Recovered(_logger);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The leases run on; self-fencing stops attempts if they could run out.
                if (!_failing)
                {
                    _failing = true;
                    Log.RoundFailed(_logger, ex);
                }
            }

            try
            {
                await Task.Delay(_options.RebalanceEvery, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One round: hand over what has drained, renew and take, then plan the next hand-over.</summary>
    internal async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        // Lanes of partitions not claimable now (handed over, lost, never ours) give back what waits;
        // a partition being handed over goes back once nothing of it is left here.
        var claimable = _ownership.Claimable ?? new HashSet<int>();
        var busy = await _work.HandOverAsync(p => !claimable.Contains(p));
        List<int> giveBack;
        lock (_gate)
        {
            giveBack = _handingOver.Where(p => !busy.Contains(p)).ToList();
        }

        var now = _time.GetUtcNow();
        var held = await _leases.BalanceAsync(new PartitionRound(_node, now, _options.LeaseTime, giveBack), cancellationToken);
        Apply(held, giveBack);
    }

    private void Apply(PartitionHoldings held, List<int> gaveBack)
    {
        HashSet<int> claimable;
        bool gained;
        int lost;
        lock (_gate)
        {
            var previous = _owned;
            _owned = [.. held.Owned];
            lost = previous.Count(p => !_owned.Contains(p) && !gaveBack.Contains(p));
            _handingOver.IntersectWith(_owned);

            // Hand over the surplus over the fair share, highest numbers first (any choice works; a
            // stable one keeps the same partitions draining from round to round).
            var surplus = _owned.Count - held.FairShare;
            if (_handingOver.Count > surplus)
            {
                // The share grew (a node left): keep what is still over it, claim the rest again.
                foreach (var p in _handingOver.Order().Take(_handingOver.Count - Math.Max(0, surplus)).ToList())
                {
                    _handingOver.Remove(p);
                }
            }
            else if (_handingOver.Count < surplus)
            {
                foreach (var p in _owned.Where(p => !_handingOver.Contains(p)).OrderDescending().Take(surplus - _handingOver.Count).ToList())
                {
                    _handingOver.Add(p);
                }
            }

            claimable = [.. _owned.Where(p => !_handingOver.Contains(p))];
            var wasClaimable = _ownership.Claimable;
            gained = claimable.Any(p => wasClaimable is null || !wasClaimable.Contains(p));
            Volatile.Write(ref _liveNodes, held.LiveNodes);
        }

        _ownership.Set(claimable, held.Owned.Count, held.LeaseUntil - _options.FenceMargin);
        if (held.Taken.Count > 0 || gaveBack.Count > 0 || lost > 0 || held.ReleasedDeliveries > 0)
        {
            Log.Moved(_logger, held.Owned.Count, LanePartitions.Count, held.LiveNodes, held.Taken.Count, gaveBack.Count, lost, held.ReleasedDeliveries);
        }

        if (gained)
        {
            // New partitions may have due work: claim for them now, not after the idle sleep.
            _signal.Notify();
        }

    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!_leases.Shared)
        {
            return;
        }

        // The dispatcher has stopped (it is stopped first): nothing is in flight, nothing waits.
        // Give every partition back so the others take them at once.
        try
        {
            await _leases.LeaveAsync(_node, cancellationToken);
            _ownership.Set(new HashSet<int>(), 0, DateTimeOffset.MinValue);
            lock (_gate)
            {
                Log.Left(_logger, _owned.Count);
                _owned = [];
                _handingOver = [];
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.LeaveFailed(_logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Partitions: this node owns {Owned} of {Total} with {LiveNodes} live nodes (took {Taken}, gave back {GaveBack}, lost {Lost}; {ReleasedDeliveries} delivery leases of gone nodes released)")]
        public static partial void Moved(ILogger logger, int owned, int total, int liveNodes, int taken, int gaveBack, int lost, int releasedDeliveries);

        [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Renewing partition leases failed; attempts stop if the leases could run out")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Renewing partition leases works again")]
        public static partial void Recovered(ILogger logger);

        [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Left the cluster: gave back {Count} partitions")]
        public static partial void Left(ILogger logger, int count);

        [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Giving the partitions back on shutdown failed; other nodes take them when the leases run out")]
        public static partial void LeaveFailed(ILogger logger, Exception exception);
    }
}
