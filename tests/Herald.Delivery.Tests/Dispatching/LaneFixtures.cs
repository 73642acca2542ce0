using Herald.Core.Deliveries;
using Herald.Delivery.Dispatching;
using Herald.Storage;

namespace Herald.Delivery.Tests.Dispatching;

/// <summary>What the lane tests share: a fixed clock origin, small circuit settings, and claimed deliveries.</summary>
internal static class LaneFixtures
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static DispatcherOptions Options() => new()
    {
        PerWebhookConcurrency = 16,
        CircuitFailureThreshold = 3,
        CircuitOpenFor = TimeSpan.FromSeconds(30),
        CircuitMaxOpenFor = TimeSpan.FromSeconds(100),
        LaneWaitTarget = TimeSpan.FromMilliseconds(250),
        MaxWaitingLanes = 8,
    };

    /// <summary>A finished attempt that is not a half-open circuit's probe.</summary>
    public static readonly ClaimedDelivery NotTheProbe = Claimed("not-the-probe");

    public static ClaimedDelivery Claimed(string id, string webhookId = "wh-1") =>
        new(id, webhookId, "evt-" + id, null, 0, "assets.update", ReadOnlyMemory<byte>.Empty, T0 + TimeSpan.FromMinutes(5));
}
