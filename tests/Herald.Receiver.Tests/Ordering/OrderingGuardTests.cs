namespace Herald.Receiver.Tests.Ordering;

public sealed class OrderingGuardTests
{
    private static readonly DateTimeOffset T0 = TestDeliveries.Now;

    private readonly List<string> applied = [];

    private Func<CancellationToken, ValueTask> Apply(string label) => _ =>
    {
        lock (applied)
        {
            applied.Add(label);
        }

        return ValueTask.CompletedTask;
    };

    [Fact]
    public async Task RunAsync_NewerVersions_AppliesEach()
    {
        var guard = new OrderingGuard<DateTimeOffset>();

        Assert.Equal(OrderingOutcome.Applied, await guard.RunAsync("v-1", T0, Apply("t0")));
        Assert.Equal(OrderingOutcome.Applied, await guard.RunAsync("v-1", T0.AddSeconds(1), Apply("t1")));

        Assert.Equal(["t0", "t1"], applied);
    }

    [Fact]
    public async Task RunAsync_OlderVersionArrivesLate_Stale()
    {
        var guard = new OrderingGuard<DateTimeOffset>();
        await guard.RunAsync("v-1", T0.AddMinutes(2), Apply("newer"));

        var outcome = await guard.RunAsync("v-1", T0.AddMinutes(1), Apply("older"));

        Assert.Equal(OrderingOutcome.Stale, outcome);
        Assert.Equal(["newer"], applied);
    }

    [Fact]
    public async Task RunAsync_EqualVersion_Stale()
    {
        var guard = new OrderingGuard<long>();
        await guard.RunAsync("v-1", 7, Apply("first"));

        Assert.Equal(OrderingOutcome.Stale, await guard.RunAsync("v-1", 7, Apply("again")));
        Assert.Equal(["first"], applied);
    }

    [Fact]
    public async Task RunAsync_OtherObject_Independent()
    {
        var guard = new OrderingGuard<long>();
        await guard.RunAsync("v-1", 10, Apply("v1@10"));

        Assert.Equal(OrderingOutcome.Applied, await guard.RunAsync("v-2", 1, Apply("v2@1")));
    }

    [Fact]
    public async Task RunAsync_ApplyThrows_VersionNotRecordedSoRetryApplies()
    {
        var store = new InMemoryObjectVersionStore<long>();
        var guard = new OrderingGuard<long>(store);

        await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await guard.RunAsync("v-1", 5, _ => throw new InvalidOperationException("boom")));

        Assert.Equal(0, store.Count);
        Assert.Equal(OrderingOutcome.Applied, await guard.RunAsync("v-1", 5, Apply("retry")));
    }

    [Fact]
    public async Task RunAsync_ConcurrentEventsForOneObject_RunOneAtATime()
    {
        var guard = new OrderingGuard<long>();
        var firstEntered = new TaskCompletionSource();
        var releaseFirst = new TaskCompletionSource();
        var first = guard.RunAsync("v-1", 1, async _ =>
        {
            firstEntered.SetResult();
            await releaseFirst.Task;
            applied.Add("1");
        }).AsTask();
        await firstEntered.Task;

        // Older than the one in flight: it must wait, then see version 1 applied and be dropped.
        var older = guard.RunAsync("v-1", 0, Apply("0")).AsTask();
        var newer = guard.RunAsync("v-1", 2, Apply("2")).AsTask();
        await Task.Delay(50);
        Assert.Empty(applied);

        releaseFirst.SetResult();

        Assert.Equal(OrderingOutcome.Applied, await first);
        Assert.Equal(OrderingOutcome.Stale, await older);
        Assert.Equal(OrderingOutcome.Applied, await newer);
        Assert.Equal(["1", "2"], applied);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileWaiting_DoesNotBlockOthers()
    {
        var guard = new OrderingGuard<long>();
        var release = new TaskCompletionSource();
        var holder = guard.RunAsync("v-1", 1, async _ => await release.Task).AsTask();
        using var cancel = new CancellationTokenSource();

        var waiting = guard.RunAsync("v-1", 2, Apply("cancelled"), cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        release.SetResult();
        await holder;

        Assert.Equal(OrderingOutcome.Applied, await guard.RunAsync("v-1", 3, Apply("3")));
    }
}
