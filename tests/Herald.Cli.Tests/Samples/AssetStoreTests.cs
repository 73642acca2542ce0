using AutoAnalyze;
using Herald.Cli.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Cli.Tests.Samples;

/// <summary>The sample's once-only analysis claim, on a real SQLite file.</summary>
public sealed class AssetStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RecordAsync_CreatedThenClosed_ClaimsOnClosedOnly()
    {
        var store = await NewStoreAsync();

        Assert.False(await store.RecordAsync("a", AssetFact.Created, default));
        Assert.True(await store.RecordAsync("a", AssetFact.ProxyClosed, default));
        Assert.Equal("analyzing", await store.GetStateAsync("a", default));
    }

    [Fact]
    public async Task RecordAsync_ClosedBeforeCreated_ClaimsWhenCreateArrives()
    {
        var store = await NewStoreAsync();

        Assert.False(await store.RecordAsync("a", AssetFact.ProxyClosed, default));
        Assert.Equal("waiting", await store.GetStateAsync("a", default));
        Assert.True(await store.RecordAsync("a", AssetFact.Created, default));
    }

    [Fact]
    public async Task RecordAsync_AfterFinish_NeverClaimsAgain()
    {
        var store = await NewStoreAsync();
        await store.RecordAsync("a", AssetFact.Created, default);
        Assert.True(await store.RecordAsync("a", AssetFact.ProxyClosed, default));
        await store.FinishAsync("a", default);

        Assert.False(await store.RecordAsync("a", AssetFact.ProxyClosed, default));
        Assert.False(await store.RecordAsync("a", AssetFact.Created, default));
        _time.Advance(TimeSpan.FromDays(1));
        Assert.False(await store.RecordAsync("a", AssetFact.ProxyClosed, default));
        Assert.Equal("finished", await store.GetStateAsync("a", default));
    }

    [Fact]
    public async Task RecordAsync_ConcurrentClosedDeliveries_ExactlyOneClaims()
    {
        var store = await NewStoreAsync();
        await store.RecordAsync("a", AssetFact.Created, default);

        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => store.RecordAsync("a", AssetFact.ProxyClosed, default))));

        Assert.Single(claims, claimed => claimed);
    }

    [Fact]
    public async Task RecordAsync_ConcurrentCreateAndClosed_ExactlyOneClaims()
    {
        for (var i = 0; i < 10; i++)
        {
            var store = await NewStoreAsync();
            var facts = new[] { AssetFact.Created, AssetFact.ProxyClosed, AssetFact.Created, AssetFact.ProxyClosed };

            var claims = await Task.WhenAll(facts.Select(f => Task.Run(() => store.RecordAsync("a", f, default))));

            Assert.Single(claims, claimed => claimed);
        }
    }

    [Fact]
    public async Task ReleaseAsync_AfterFailedAnalysis_NextDeliveryClaimsAgain()
    {
        var store = await NewStoreAsync();
        await store.RecordAsync("a", AssetFact.Created, default);
        Assert.True(await store.RecordAsync("a", AssetFact.ProxyClosed, default));

        await store.ReleaseAsync("a", default);

        Assert.True(await store.RecordAsync("a", AssetFact.ProxyClosed, default));
    }

    [Fact]
    public async Task RecordAsync_ClaimOlderThanTimeout_IsTakenOver()
    {
        var store = await NewStoreAsync();
        await store.RecordAsync("a", AssetFact.Created, default);
        Assert.True(await store.RecordAsync("a", AssetFact.ProxyClosed, default));

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(await store.RecordAsync("a", AssetFact.ProxyClosed, default));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await store.RecordAsync("a", AssetFact.ProxyClosed, default));
    }

    [Fact]
    public async Task RecordAsync_UnmatchedClosedOlderThanRetention_IsForgotten()
    {
        var store = await NewStoreAsync();
        await store.RecordAsync("old", AssetFact.ProxyClosed, default);

        _time.Advance(TimeSpan.FromDays(4));
        await store.RecordAsync("other", AssetFact.ProxyClosed, default);

        Assert.Null(await store.GetStateAsync("old", default));
        Assert.False(await store.RecordAsync("old", AssetFact.Created, default));
    }

    private async Task<AssetStore> NewStoreAsync()
    {
        var options = Options.Create(new AutoAnalyzeOptions { Database = Path.Combine(Built.TempDirectory(), "assets.db") });
        var store = new AssetStore(options, _time);
        await store.InitializeAsync(default);
        return store;
    }
}
