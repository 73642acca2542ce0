using System.Diagnostics;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Named job leases: <see cref="IJobLeases"/>. Time is the provider's clock, so expiry is shown
/// with short leases and polling, never by sleeping and counting.
/// </summary>
public abstract class JobLeaseContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    private static readonly TimeSpan Long = TimeSpan.FromHours(1);

    private IJobLeases Leases => Stores.JobLeases;

    [Fact]
    public async Task TryAcquireAsync_Free_Granted()
    {
        Assert.True(await Leases.TryAcquireAsync("retention", "node-a", Long, None));
    }

    [Fact]
    public async Task TryAcquireAsync_HeldByAnother_Refused()
    {
        await Leases.TryAcquireAsync("retention", "node-a", Long, None);

        Assert.False(await Leases.TryAcquireAsync("retention", "node-b", Long, None));
    }

    [Fact]
    public async Task TryAcquireAsync_SameOwnerAgain_RenewedAndStillExclusive()
    {
        await Leases.TryAcquireAsync("retention", "node-a", Long, None);

        Assert.True(await Leases.TryAcquireAsync("retention", "node-a", Long, None));
        Assert.False(await Leases.TryAcquireAsync("retention", "node-b", Long, None));
    }

    [Fact]
    public async Task TryAcquireAsync_OtherName_Independent()
    {
        await Leases.TryAcquireAsync("retention", "node-a", Long, None);

        Assert.True(await Leases.TryAcquireAsync("replay", "node-b", Long, None));
    }

    [Fact]
    public async Task TryAcquireAsync_HolderExpired_AnotherOwnerGetsIt()
    {
        Assert.True(await Leases.TryAcquireAsync("retention", "node-a", TimeSpan.FromMilliseconds(200), None));

        var waited = Stopwatch.StartNew();
        while (!await Leases.TryAcquireAsync("retention", "node-b", Long, None))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the expired lease was never granted to another owner");
            await Task.Delay(50);
        }

        // node-b holds it now, for an hour: node-a's old lease gives it nothing.
        Assert.False(await Leases.TryAcquireAsync("retention", "node-a", Long, None));
    }

    [Fact]
    public async Task ReleaseAsync_ByHolder_AnotherOwnerGetsItAtOnce()
    {
        await Leases.TryAcquireAsync("retention", "node-a", Long, None);

        await Leases.ReleaseAsync("retention", "node-a", None);

        Assert.True(await Leases.TryAcquireAsync("retention", "node-b", Long, None));
    }

    [Fact]
    public async Task ReleaseAsync_ByNonHolder_LeaseStays()
    {
        await Leases.TryAcquireAsync("retention", "node-a", Long, None);

        await Leases.ReleaseAsync("retention", "node-b", None);

        Assert.False(await Leases.TryAcquireAsync("retention", "node-b", Long, None));
    }

    [Fact]
    public async Task TryAcquireAsync_ManyOwnersRacing_ExactlyOneGranted()
    {
        using var go = new ManualResetEventSlim();
        var tries = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            go.Wait();
            return await Leases.TryAcquireAsync("replay", $"node-{i}", Long, None);
        })).ToList();
        go.Set();

        Assert.Equal(1, (await Task.WhenAll(tries)).Count(granted => granted));
    }
}
