using System.Collections.Concurrent;
using Herald.Delivery.Recovery;
using Herald.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Delivery.Tests.Recovery;

/// <summary>Retention and replay run once per cluster: they work only while they hold their job lease.</summary>
public sealed class ClusterJobLeaseTests
{
    [Fact]
    public async Task RetentionWorker_LeaseHeldElsewhere_AsksEveryIntervalAndNeverDeletes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(55));
        var leases = new ScriptedLeases(grant: false);
        var store = new CountingRetentionStore();
        using var worker = new RetentionWorker(store, leases, Options.Create(new RetentionOptions { Days = 1, Interval = TimeSpan.FromHours(1) }), time, NullLogger<RetentionWorker>.Instance);

        await worker.StartAsync(CancellationToken.None);
        await AdvanceUntilAsync(time, TimeSpan.FromHours(1), () => leases.Asked.Count >= 3);
        await worker.StopAsync(CancellationToken.None);

        Assert.All(leases.Asked, a => Assert.Equal((RetentionWorker.LeaseName, TimeSpan.FromHours(1)), (a.Name, a.Ttl)));
        Assert.Single(leases.Asked.Select(a => a.Owner).Distinct());
        Assert.Equal(0, store.Calls);
    }

    [Fact]
    public async Task RetentionWorker_LeaseGranted_Sweeps()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(55));
        var leases = new ScriptedLeases(grant: true);
        var store = new CountingRetentionStore();
        using var worker = new RetentionWorker(store, leases, Options.Create(new RetentionOptions { Days = 1, Interval = TimeSpan.FromHours(1) }), time, NullLogger<RetentionWorker>.Instance);

        await worker.StartAsync(CancellationToken.None);
        await AdvanceUntilAsync(time, TimeSpan.FromHours(1), () => store.Calls >= 4);
        await worker.StopAsync(CancellationToken.None);

        Assert.NotEmpty(leases.Asked);
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider time, TimeSpan step, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(20);
            time.Advance(step);
        }
    }

    private sealed class ScriptedLeases(bool grant) : IJobLeases
    {
        public ConcurrentQueue<(string Name, string Owner, TimeSpan Ttl)> Asked { get; } = new();

        public Task<bool> TryAcquireAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken)
        {
            Asked.Enqueue((name, owner, ttl));
            return Task.FromResult(grant);
        }

        public Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class CountingRetentionStore : IRetentionStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<int> DeleteDeliveriesAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(0);
        }

        public Task<int> DeleteEventsAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<int> DeleteIdempotencyKeysAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<int> DeleteReplayJobsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}
