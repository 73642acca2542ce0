using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Operator actions: <see cref="IDeliveryRecoveryStore"/> (cancel one, cancel all pending, retry all failed).</summary>
public abstract class DeliveryRecoveryContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    /// <summary>More than one bulk batch of any provider so far (SQLite works in batches of 1,000).</summary>
    private const int Many = 1250;

    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2", domainId: "d1");
    }

    [Fact]
    public async Task CancelAsync_Pending_Cancelled()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"], due: T0);

        var outcome = await Recovery.CancelAsync(ids[0], null, T0.AddMinutes(1), None);

        Assert.Equal(CancelOutcome.Cancelled, outcome);
        var view = await GetAsync(ids[0]);
        Assert.Equal((DeliveryStatus.Cancelled, T0.AddMinutes(1), (DateTimeOffset?)null), (view.Status, view.UpdatedAt, view.NextAttemptAt));
        Assert.Empty(await Claim(T0.AddDays(1)));
    }

    [Fact]
    public async Task CancelAsync_Twice_SecondNotPending()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"]);
        await Recovery.CancelAsync(ids[0], null, T0, None);

        Assert.Equal(CancelOutcome.NotPending, await Recovery.CancelAsync(ids[0], null, T0.AddMinutes(1), None));
        Assert.Equal(T0, (await GetAsync(ids[0])).UpdatedAt);
    }

    [Theory]
    [InlineData(DeliveryStatus.Succeeded)]
    [InlineData(DeliveryStatus.Failed)]
    public async Task CancelAsync_NotPending_NotPendingAndUnchanged(DeliveryStatus status)
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"]);
        await DriveAsync(ids[0], status, T0);

        Assert.Equal(CancelOutcome.NotPending, await Recovery.CancelAsync(ids[0], null, T0.AddMinutes(1), None));
        Assert.Equal(status, await StatusOf(ids[0]));
    }

    [Fact]
    public async Task CancelAsync_UnknownOrOtherDomain_NotFound()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"]);

        Assert.Equal(CancelOutcome.NotFound, await Recovery.CancelAsync("nope", null, T0, None));
        Assert.Equal(CancelOutcome.NotFound, await Recovery.CancelAsync(ids[0], "d1", T0, None));
        Assert.Equal(DeliveryStatus.Pending, await StatusOf(ids[0]));
    }

    [Fact]
    public async Task CancelAsync_OwnDomain_Cancelled()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w2"], domainId: "d1");

        Assert.Equal(CancelOutcome.Cancelled, await Recovery.CancelAsync(ids[0], "d1", T0, None));
        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf(ids[0]));
    }

    [Fact]
    public async Task CancelAsync_HeldDelivery_Cancelled()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"], due: T0);
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        Assert.Equal(CancelOutcome.Cancelled, await Recovery.CancelAsync(ids[0], null, T0, None));

        await SetWebhookStatusAsync("w1", WebhookStatus.Enabled);
        Assert.Empty(await Claim(T0.AddDays(1)));
    }

    [Fact]
    public async Task CancelAsync_LeasedAttemptCompletesAfterwards_StaysCancelledWithTheAttemptLogged()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"], due: T0);
        var claimed = Assert.Single(await Claim(T0));

        Assert.Equal(CancelOutcome.Cancelled, await Recovery.CancelAsync(ids[0], null, T0, None));
        await CompleteAsync(T0.AddSeconds(1), Failed(claimed.Id, 1, T0, 500, T0.AddSeconds(5)));

        var view = await GetAsync(ids[0]);
        Assert.Equal(DeliveryStatus.Cancelled, view.Status);
        Assert.Single(view.Attempts!);
        Assert.Empty(await Claim(T0.AddDays(1)));
    }

    [Fact]
    public async Task CancelAsync_Leased_ReleaseAfterwardsDoesNotRevive()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"], due: T0);
        var claimed = await Claim(T0);
        await Recovery.CancelAsync(ids[0], null, T0, None);

        await Deliveries.ReleaseAsync("node-a", claimed, T0, None);

        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf(ids[0]));
        Assert.Empty(await Claim(T0.AddDays(1)));
    }

    [Fact]
    public async Task CancelPendingAsync_MoreThanOneBatch_CancelsEveryPendingOfThatWebhookOnly()
    {
        await IngestManyAsync("w1", Many, T0);
        var (_, other) = await PublishAtAsync(T0, ["w2"]);
        var (_, done) = await PublishAtAsync(T0.AddSeconds(1), ["w1"]);
        await DriveAsync(done[0], DeliveryStatus.Failed, T0.AddSeconds(1));

        var cancelled = await Recovery.CancelPendingAsync("w1", T0.AddMinutes(1), None);

        Assert.Equal(Many, cancelled);
        Assert.Empty(await ListAllAsync(webhookId: "w1", status: DeliveryStatus.Pending));
        Assert.Equal(Many, (await ListAllAsync(webhookId: "w1", status: DeliveryStatus.Cancelled)).Count);
        Assert.Equal(DeliveryStatus.Pending, await StatusOf(other[0]));
        Assert.Equal(DeliveryStatus.Failed, await StatusOf(done[0]));
    }

    [Fact]
    public async Task CancelPendingAsync_LeasedAndHeldToo_AllCancelled()
    {
        var (_, leased) = await PublishAtAsync(T0, ["w1"], due: T0);
        await Claim(T0);
        var (_, waiting) = await PublishAtAsync(T0.AddSeconds(1), ["w1"]);

        Assert.Equal(2, await Recovery.CancelPendingAsync("w1", T0.AddMinutes(1), None));

        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf(leased[0]));
        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf(waiting[0]));
        Assert.Empty(await Claim(T0 + Lease + Lease));
    }

    [Fact]
    public async Task CancelPendingAsync_CreatedAfterTheRequest_Left()
    {
        var (_, later) = await PublishAtAsync(T0.AddMinutes(2), ["w1"]);

        Assert.Equal(0, await Recovery.CancelPendingAsync("w1", T0.AddMinutes(1), None));
        Assert.Equal(DeliveryStatus.Pending, await StatusOf(later[0]));
    }

    [Fact]
    public async Task CancelPendingAsync_CreatedAtTheRequestTime_Cancelled()
    {
        var (_, ids) = await PublishAtAsync(T0.AddMinutes(1), ["w1"]);

        Assert.Equal(1, await Recovery.CancelPendingAsync("w1", T0.AddMinutes(1), None));
        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf(ids[0]));
    }

    [Fact]
    public async Task CancelPendingAsync_NothingPendingOrUnknownWebhook_Zero()
    {
        Assert.Equal(0, await Recovery.CancelPendingAsync("w1", T0, None));
        Assert.Equal(0, await Recovery.CancelPendingAsync("nope", T0, None));
    }

    [Fact]
    public async Task RetryFailedAsync_MoreThanOneBatch_EveryFailedPendingAndDueNow()
    {
        await IngestManyAsync("w1", Many, T0, due: T0);
        await FailAllDueAsync(T0);
        var (_, succeeded) = await PublishAtAsync(T0.AddSeconds(1), ["w1"]);
        await DriveAsync(succeeded[0], DeliveryStatus.Succeeded, T0.AddSeconds(1));
        var (_, other) = await PublishAtAsync(T0, ["w2"]);
        await DriveAsync(other[0], DeliveryStatus.Failed, T0.AddSeconds(2));

        var retried = await Recovery.RetryFailedAsync("w1", T0.AddHours(1), None);

        Assert.Equal(Many, retried);
        var pending = await ListAllAsync(webhookId: "w1", status: DeliveryStatus.Pending);
        Assert.Equal(Many, pending.Count);
        Assert.All(pending, d => Assert.Equal(T0.AddHours(1), d.NextAttemptAt));
        Assert.Equal(Many, (await Deliveries.ClaimDueAsync("n", T0.AddHours(1), Lease, Many + 10, None)).Count);
        Assert.Equal(DeliveryStatus.Succeeded, await StatusOf(succeeded[0]));
        Assert.Equal(DeliveryStatus.Failed, await StatusOf(other[0]));
    }

    [Fact]
    public async Task RetryFailedAsync_NotDueBeforeTheRetryTime()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"]);
        await DriveAsync(ids[0], DeliveryStatus.Failed, T0);

        await Recovery.RetryFailedAsync("w1", T0.AddHours(1), None);

        Assert.Empty(await Claim(T0.AddMinutes(59)));
        Assert.Single(await Claim(T0.AddHours(1)));
    }

    [Fact]
    public async Task RetryFailedAsync_CancelledDeliveries_Left()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"]);
        await DriveAsync(ids[0], DeliveryStatus.Cancelled, T0);

        Assert.Equal(0, await Recovery.RetryFailedAsync("w1", T0.AddHours(1), None));
        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf(ids[0]));
    }

    [Fact]
    public async Task RetryFailedAsync_Twice_SecondFindsNothing()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"]);
        await DriveAsync(ids[0], DeliveryStatus.Failed, T0);

        Assert.Equal(1, await Recovery.RetryFailedAsync("w1", T0.AddHours(1), None));
        Assert.Equal(0, await Recovery.RetryFailedAsync("w1", T0.AddHours(2), None));
        Assert.Equal(T0.AddHours(1), (await GetAsync(ids[0])).NextAttemptAt);
    }

    [Fact]
    public async Task RetryFailedAsync_PausedWebhook_PendingButHeld()
    {
        var (_, ids) = await PublishAtAsync(T0, ["w1"]);
        await DriveAsync(ids[0], DeliveryStatus.Failed, T0);
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        Assert.Equal(1, await Recovery.RetryFailedAsync("w1", T0, None));

        Assert.Equal(DeliveryStatus.Pending, await StatusOf(ids[0]));
        Assert.Empty(await Claim(T0.AddDays(1)));
        await SetWebhookStatusAsync("w1", WebhookStatus.Enabled);
        Assert.Single(await Claim(T0.AddDays(1)));
    }

    private Task IngestManyAsync(string webhookId, int count, DateTimeOffset at, DateTimeOffset? due = null)
    {
        var events = Enumerable.Range(0, count).Select(i => NewEvent(IdAt(at), receivedAt: at)).ToList();
        var deliveries = events.Select(e => NewDelivery(IdAt(at), webhookId, e.Id, due ?? Later)).ToList();
        return Events.IngestAsync(new IngestBatch(events, deliveries, null, null, at), None);
    }

    /// <summary>Claims everything due at <paramref name="at"/> and fails it for good, in calls of at most 500 attempts.</summary>
    private async Task FailAllDueAsync(DateTimeOffset at)
    {
        var claimed = await Deliveries.ClaimDueAsync("n", at, Lease, 100_000, None);
        foreach (var chunk in claimed.Chunk(500))
        {
            await Deliveries.CompleteAsync(chunk.Select(c => Failed(c.Id, 1, at, 500, next: null, c.WebhookId) with { LeaseUntil = c.LeaseUntil }).ToList(), at, TimeSpan.FromDays(3650), None);
        }
    }
}
