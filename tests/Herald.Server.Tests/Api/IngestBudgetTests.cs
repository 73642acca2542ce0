using System.Net;

namespace Herald.Server.Tests.Api;

public sealed class IngestBudgetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EnterAsync_WithinBudget_ReservesAtOnceAndDisposeGivesBack()
    {
        var budget = new IngestBudget(1000);

        using (var a = await budget.EnterAsync(400, CancellationToken.None))
        using (var b = await budget.EnterAsync(600, CancellationToken.None))
        {
            Assert.Equal(1000, budget.InUse);
        }

        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task EnterAsync_OverBudget_WaitsUntilEnoughIsGivenBack_FirstComeFirstServed()
    {
        var budget = new IngestBudget(1000);
        var first = await budget.EnterAsync(800, CancellationToken.None);
        var big = budget.EnterAsync(700, CancellationToken.None).AsTask();
        var small = budget.EnterAsync(100, CancellationToken.None).AsTask();

        // 200 are free: the small one would fit, but it queued behind the big one.
        await Task.Delay(50);
        Assert.False(big.IsCompleted);
        Assert.False(small.IsCompleted);

        first.Dispose();
        using var bigHeld = await big.WaitAsync(Timeout);
        using var smallHeld = await small.WaitAsync(Timeout);
        Assert.Equal(800, budget.InUse);

        // A reservation gives back once, however often it is disposed.
        first.Dispose();
        Assert.Equal(800, budget.InUse);
    }

    [Fact]
    public async Task EnterAsync_LargerThanTheBudget_RunsAloneInsteadOfWaitingForever()
    {
        var budget = new IngestBudget(1000);
        var other = await budget.EnterAsync(10, CancellationToken.None);
        var huge = budget.EnterAsync(50_000, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(huge.IsCompleted);

        other.Dispose();
        using var held = await huge.WaitAsync(Timeout);
        Assert.Equal(1000, budget.InUse);
    }

    [Fact]
    public async Task EnterAsync_CancelledWhileWaiting_LeavesTheQueueAndThoseBehindGoOn()
    {
        var budget = new IngestBudget(1000);
        using var held = await budget.EnterAsync(500, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var blocked = budget.EnterAsync(900, cancel.Token).AsTask();
        var behind = budget.EnterAsync(300, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(behind.IsCompleted);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(Timeout));
        using var behindHeld = await behind.WaitAsync(Timeout);
        Assert.Equal(800, budget.InUse);
    }

    [Fact]
    public async Task Publish_ManyConcurrentBodiesOverASmallBudget_AllAreStored()
    {
        // A 64 KiB budget and 24 publishes of ~30 KiB at once: they take turns, none is refused
        // or lost, and the budget is whole again afterwards.
        await using var herald = await Infrastructure.HeraldHost.StartAsync(settings: new Dictionary<string, string?> { ["Herald:MaxIngestBytesInFlight"] = "65536" });
        var webhook = (await herald.Client.CreateWebhookAsync(new { url = "https://example.com/hook", event_type = "budget", status = "PAUSED" })).GetProperty("id").GetString()!;
        var bodies = Enumerable.Range(0, 24).Select(r => "[" + string.Join(",", Enumerable.Range(0, 20).Select(i =>
            $$$"""{"event_type":"budget","operation":"update","data":{"r":{{{r}}},"i":{{{i}}},"pad":"{{{new string('p', 1400)}}}"}}""")) + "]");

        var statuses = await Task.WhenAll(bodies.Select(async body =>
        {
            using var response = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/events", body);
            return response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
        var deliveries = await herald.Client.GetAsync($"api/v1/deliveries?webhook_id={webhook}&limit=1000");
        Assert.Equal(480, deliveries.GetProperty("objects").GetArrayLength());
    }
}
