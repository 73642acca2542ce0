namespace Herald.Receiver.Tests.Ordering;

public sealed class InMemoryObjectVersionStoreTests
{
    [Fact]
    public async Task TryAdvance_NewerThenOlder_KeepsNewest()
    {
        var store = new InMemoryObjectVersionStore<long>();

        Assert.True(await store.TryAdvanceAsync("o", 2));
        Assert.False(await store.TryAdvanceAsync("o", 1));
        Assert.False(await store.TryAdvanceAsync("o", 2));
        Assert.True(await store.TryAdvanceAsync("o", 3));
        Assert.False(await store.IsNewerAsync("o", 3));
        Assert.True(await store.IsNewerAsync("o", 4));
        Assert.True(await store.IsNewerAsync("unknown", long.MinValue));
    }

    [Fact]
    public async Task TryAdvance_ConcurrentWriters_EndsAtMaximum()
    {
        var store = new InMemoryObjectVersionStore<int>();

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Task.Run(() => store.TryAdvanceAsync("o", i).AsTask())));

        Assert.False(await store.IsNewerAsync("o", 499));
        Assert.True(await store.IsNewerAsync("o", 500));
    }

    [Fact]
    public async Task IsNewer_CustomComparer_IsUsed()
    {
        // ISO-8601 strings ordered as text would misorder offsets; a comparer parses them.
        var store = new InMemoryObjectVersionStore<string>(
            Comparer<string>.Create((a, b) => DateTimeOffset.Parse(a, System.Globalization.CultureInfo.InvariantCulture)
                .CompareTo(DateTimeOffset.Parse(b, System.Globalization.CultureInfo.InvariantCulture))));
        await store.TryAdvanceAsync("o", "2024-01-15T10:30:00+02:00");

        Assert.True(await store.IsNewerAsync("o", "2024-01-15T09:00:00Z"));
    }
}
