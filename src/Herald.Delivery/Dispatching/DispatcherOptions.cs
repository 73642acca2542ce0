using Herald.Core.Webhooks;

namespace Herald.Delivery.Dispatching;

public sealed class DispatcherOptions
{
    /// <summary>Attempts in flight at once across all webhooks.</summary>
    public int MaxConcurrency { get; set; } = 512;

    /// <summary>Attempts in flight at once for one webhook, unless the webhook sets <c>max_concurrency</c>.</summary>
    public int PerWebhookConcurrency { get; set; } = 16;

    /// <summary>Consecutive endpoint failures (connection errors, timeouts, 5xx, 429) that open a webhook's circuit.</summary>
    public int CircuitFailureThreshold { get; set; } = 5;

    /// <summary>How long an open circuit stops claiming for its webhook before one probe is allowed.</summary>
    public TimeSpan CircuitOpenFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest an open circuit waits (each failed probe doubles the wait up to this).</summary>
    public TimeSpan CircuitMaxOpenFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How much work, in time at the endpoint's average attempt duration, a webhook's lane keeps
    /// claimed and waiting beyond what it is sending, so claims stay ahead of a fast endpoint.
    /// </summary>
    public TimeSpan LaneWaitTarget { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The most a lane keeps waiting, in lane-fulls (multiples of its concurrency limit).</summary>
    public int MaxWaitingLanes { get; set; } = 8;

    /// <summary>Most deliveries claimed per round trip to the store.</summary>
    public int ClaimBatch { get; set; } = 512;

    /// <summary>How long a claim outlives the attempt's timeout before another node may take it.</summary>
    public TimeSpan LeaseSlack { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest idle sleep. New work wakes the loop at once; this only bounds how late a lease that ran
    /// out elsewhere (another node died) is noticed.
    /// </summary>
    public TimeSpan MaxIdle { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a FAILING webhook may keep failing before it is DISABLED.</summary>
    public TimeSpan DisableAfter { get; set; } = WebhookStatusMachine.DefaultDisableAfter;

    /// <summary>On shutdown, how long in-flight attempts may finish before they are cancelled and released.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>This node's name in leases.</summary>
    public string NodeId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
}
