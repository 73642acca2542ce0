using Microsoft.Extensions.Time.Testing;

namespace Herald.Receiver.Tests.Deduplication;

/// <summary>One contract, run against every <see cref="IDeliveryDeduplicationStore"/> implementation.</summary>
public abstract class DeliveryDeduplicationStoreContract
{
    protected FakeTimeProvider Time { get; } = new(TestDeliveries.Now);

    protected static DeliveryDeduplicationOptions Options => new()
    {
        Retention = TimeSpan.FromHours(1),
        ClaimTimeout = TimeSpan.FromMinutes(1),
    };

    protected abstract IDeliveryDeduplicationStore CreateStore(DeliveryDeduplicationOptions options);

    [Fact]
    public async Task TryMarkSeen_FirstSight_Marked()
    {
        var store = CreateStore(Options);

        Assert.Equal(DeliveryMarkResult.Marked, await store.TryMarkSeenAsync("d-1"));
    }

    [Fact]
    public async Task TryMarkSeen_AfterProcessed_Duplicate()
    {
        var store = CreateStore(Options);
        await store.TryMarkSeenAsync("d-1");
        await store.MarkProcessedAsync("d-1");

        Assert.Equal(DeliveryMarkResult.Duplicate, await store.TryMarkSeenAsync("d-1"));
        Assert.Equal(DeliveryMarkResult.Marked, await store.TryMarkSeenAsync("d-2"));
    }

    [Fact]
    public async Task TryMarkSeen_WhileClaimed_InProgress()
    {
        var store = CreateStore(Options);
        await store.TryMarkSeenAsync("d-1");

        Assert.Equal(DeliveryMarkResult.InProgress, await store.TryMarkSeenAsync("d-1"));
    }

    [Fact]
    public async Task TryMarkSeen_AfterForget_MarkedAgain()
    {
        var store = CreateStore(Options);
        await store.TryMarkSeenAsync("d-1");
        await store.ForgetAsync("d-1");

        Assert.Equal(DeliveryMarkResult.Marked, await store.TryMarkSeenAsync("d-1"));
    }

    [Fact]
    public async Task Forget_AfterProcessed_KeepsMark()
    {
        var store = CreateStore(Options);
        await store.TryMarkSeenAsync("d-1");
        await store.MarkProcessedAsync("d-1");
        await store.ForgetAsync("d-1");

        Assert.Equal(DeliveryMarkResult.Duplicate, await store.TryMarkSeenAsync("d-1"));
    }

    [Fact]
    public async Task TryMarkSeen_ClaimTimedOut_MarkedAgain()
    {
        var store = CreateStore(Options);
        await store.TryMarkSeenAsync("d-1");

        Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(DeliveryMarkResult.InProgress, await store.TryMarkSeenAsync("d-1"));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DeliveryMarkResult.Marked, await store.TryMarkSeenAsync("d-1"));
    }

    [Fact]
    public async Task TryMarkSeen_ProcessedMarkExpired_MarkedAgain()
    {
        var store = CreateStore(Options);
        await store.TryMarkSeenAsync("d-1");
        await store.MarkProcessedAsync("d-1");

        Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(DeliveryMarkResult.Duplicate, await store.TryMarkSeenAsync("d-1"));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(DeliveryMarkResult.Marked, await store.TryMarkSeenAsync("d-1"));
    }

    [Fact]
    public async Task MarkProcessed_WithoutClaim_RecordsDuplicate()
    {
        var store = CreateStore(Options);
        await store.MarkProcessedAsync("d-1");

        Assert.Equal(DeliveryMarkResult.Duplicate, await store.TryMarkSeenAsync("d-1"));
    }

    [Fact]
    public async Task TryMarkSeen_ConcurrentCallsForOneId_ExactlyOneMarked()
    {
        var store = CreateStore(Options);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => store.TryMarkSeenAsync("d-race").AsTask())));

        Assert.Single(results, r => r == DeliveryMarkResult.Marked);
        Assert.All(results.Where(r => r != DeliveryMarkResult.Marked), r => Assert.Equal(DeliveryMarkResult.InProgress, r));
    }
}
