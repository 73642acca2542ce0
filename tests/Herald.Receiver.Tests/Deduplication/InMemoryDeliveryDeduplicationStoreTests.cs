namespace Herald.Receiver.Tests.Deduplication;

public sealed class InMemoryDeliveryDeduplicationStoreTests : DeliveryDeduplicationStoreContract
{
    protected override IDeliveryDeduplicationStore CreateStore(DeliveryDeduplicationOptions options) =>
        new InMemoryDeliveryDeduplicationStore(options, Time);

    [Fact]
    public async Task TryMarkSeen_OverCapacity_EvictsOldest()
    {
        var options = Options;
        options.Capacity = 3;
        var store = new InMemoryDeliveryDeduplicationStore(options, Time);
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            await store.TryMarkSeenAsync(id);
            await store.MarkProcessedAsync(id);
        }

        Assert.Equal(3, store.Count);
        Assert.Equal(DeliveryMarkResult.Duplicate, await store.TryMarkSeenAsync("d"));
        Assert.Equal(DeliveryMarkResult.Duplicate, await store.TryMarkSeenAsync("b"));
        // "a" was the oldest and was evicted to make room for "d".
        Assert.Equal(DeliveryMarkResult.Marked, await store.TryMarkSeenAsync("a"));
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public async Task TryMarkSeen_AfterEntriesExpire_PurgesThem()
    {
        var store = new InMemoryDeliveryDeduplicationStore(Options, Time);
        for (var i = 0; i < 10; i++)
        {
            await store.TryMarkSeenAsync($"d-{i}");
            await store.MarkProcessedAsync($"d-{i}");
        }

        Time.Advance(TimeSpan.FromHours(2));
        await store.TryMarkSeenAsync("fresh");

        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new InMemoryDeliveryDeduplicationStore(new DeliveryDeduplicationOptions { Capacity = 0 }));
        Assert.Throws<ArgumentException>(() => new InMemoryDeliveryDeduplicationStore(new DeliveryDeduplicationOptions { Retention = TimeSpan.Zero }));
    }
}
