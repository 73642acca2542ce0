using Herald.Core.Deliveries;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Retention with explicit times (<see cref="IRetentionStore"/>): the cutoff is T0; everything before it is expired.</summary>
public abstract class RetentionStoreContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    private static readonly DateTimeOffset Old = T0.AddDays(-20);
    private static readonly DateTimeOffset Recent = T0.AddHours(1);

    protected override Task SeedAsync() => InsertWebhookAsync("w1");

    [Theory]
    [InlineData(DeliveryStatus.Succeeded)]
    [InlineData(DeliveryStatus.Failed)]
    [InlineData(DeliveryStatus.Cancelled)]
    public async Task DeleteDeliveriesAsync_TerminalBeforeCutoff_DeletedWithAttempts(DeliveryStatus status)
    {
        var (_, ids) = await PublishAtAsync(Old, ["w1"]);
        await DriveAsync(ids[0], status, Old.AddMinutes(1));

        Assert.Equal(1, await Retention.DeleteDeliveriesAsync(T0, 100, None));

        Assert.Null(await Deliveries.GetAsync(ids[0], null, None));
        Assert.Empty(await DeliveryIdsAsync());
    }

    [Fact]
    public async Task DeleteDeliveriesAsync_PendingRecentOrRetriedLately_Kept()
    {
        var (_, pending) = await PublishAtAsync(Old, ["w1"]);
        var (_, recent) = await PublishAtAsync(Recent, ["w1"]);
        await DriveAsync(recent[0], DeliveryStatus.Succeeded, Recent);
        var (_, retriedLately) = await PublishAtAsync(Old.AddSeconds(1), ["w1"]);
        await DriveAsync(retriedLately[0], DeliveryStatus.Failed, Recent);

        Assert.Equal(0, await Retention.DeleteDeliveriesAsync(T0, 100, None));

        Assert.Equal(3, (await DeliveryIdsAsync()).Count);
        Assert.Single((await GetAsync(recent[0])).Attempts!);
        Assert.Single((await GetAsync(retriedLately[0])).Attempts!);
        Assert.Equal(DeliveryStatus.Pending, await StatusOf(pending[0]));
    }

    [Fact]
    public async Task DeleteDeliveriesAsync_FailedLongAgoThenRetriedByHand_Kept()
    {
        var (_, ids) = await PublishAtAsync(Old, ["w1"]);
        await DriveAsync(ids[0], DeliveryStatus.Failed, Old);
        await Recovery.RetryFailedAsync("w1", Old.AddMinutes(1), None);

        Assert.Equal(0, await Retention.DeleteDeliveriesAsync(T0, 100, None));
        Assert.Equal(DeliveryStatus.Pending, await StatusOf(ids[0]));
    }

    [Fact]
    public async Task DeleteDeliveriesAsync_LeasedLongAgo_Kept()
    {
        var (_, ids) = await PublishAtAsync(Old, ["w1"], due: Old);
        await Claim(Old);

        Assert.Equal(0, await Retention.DeleteDeliveriesAsync(T0, 100, None));
        Assert.NotNull(await Deliveries.GetAsync(ids[0], null, None));
    }

    [Fact]
    public async Task DeleteDeliveriesAsync_ChangedExactlyAtTheCutoff_Kept()
    {
        var (_, atCutoff) = await PublishAtAsync(Old, ["w1"]);
        await DriveAsync(atCutoff[0], DeliveryStatus.Succeeded, T0);
        var (_, justBefore) = await PublishAtAsync(Old.AddSeconds(1), ["w1"]);
        await DriveAsync(justBefore[0], DeliveryStatus.Succeeded, T0.AddMilliseconds(-1));

        Assert.Equal(1, await Retention.DeleteDeliveriesAsync(T0, 100, None));

        Assert.Equal(atCutoff, await DeliveryIdsAsync());
    }

    [Fact]
    public async Task DeleteDeliveriesAsync_SmallBatches_DeletesAll()
    {
        for (var i = 0; i < 7; i++)
        {
            var (_, ids) = await PublishAtAsync(Old.AddSeconds(i), ["w1"]);
            await DriveAsync(ids[0], DeliveryStatus.Succeeded, Old.AddSeconds(i));
        }

        Assert.Equal(7, await Retention.DeleteDeliveriesAsync(T0, 2, None));
        Assert.Empty(await DeliveryIdsAsync());
    }

    [Fact]
    public async Task DeleteDeliveriesAsync_SecondRun_NothingLeftToDelete()
    {
        var (_, ids) = await PublishAtAsync(Old, ["w1"]);
        await DriveAsync(ids[0], DeliveryStatus.Succeeded, Old);
        await Retention.DeleteDeliveriesAsync(T0, 100, None);

        Assert.Equal(0, await Retention.DeleteDeliveriesAsync(T0, 100, None));
    }

    [Fact]
    public async Task DeleteEventsAsync_OnlyExpiredAndUnreferenced()
    {
        var unreferenced = await PublishAtAsync(Old, []);
        var withPending = await PublishAtAsync(Old.AddSeconds(1), ["w1"]);
        var withTerminal = await PublishAtAsync(Old.AddSeconds(2), ["w1"]);
        await DriveAsync(withTerminal.DeliveryIds[0], DeliveryStatus.Succeeded, Recent);
        var recent = await PublishAtAsync(Recent, []);

        Assert.Equal(1, await Retention.DeleteEventsAsync(T0, 1, None));

        Assert.Equal([withPending.EventId, withTerminal.EventId], (await EventsAsync(Old.AddDays(-1), T0)).Select(e => e.Id));
        Assert.Equal([recent.EventId], (await EventsAsync(T0, Recent.AddDays(1))).Select(e => e.Id));
        Assert.DoesNotContain(unreferenced.EventId, (await EventsAsync(Old.AddDays(-1), Recent.AddDays(1))).Select(e => e.Id));
    }

    [Fact]
    public async Task DeleteEventsAsync_ReceivedExactlyAtTheCutoff_Kept()
    {
        var atCutoff = await PublishAtAsync(T0, []);
        var justBefore = await PublishAtAsync(T0.AddMilliseconds(-1), []);

        Assert.Equal(1, await Retention.DeleteEventsAsync(T0, 100, None));

        Assert.Equal([atCutoff.EventId], (await EventsAsync(Old, Recent)).Select(e => e.Id));
        Assert.DoesNotContain(justBefore.EventId, (await EventsAsync(Old, Recent)).Select(e => e.Id));
    }

    [Fact]
    public async Task DeleteEventsAsync_ManyInSmallBatches_DeletesAll()
    {
        for (var i = 0; i < 9; i++)
        {
            await PublishAtAsync(Old.AddMinutes(i), []);
        }

        Assert.Equal(9, await Retention.DeleteEventsAsync(T0, 4, None));
        Assert.Empty(await EventsAsync(Old.AddDays(-1), T0));
    }

    [Fact]
    public async Task Sweep_DeliveriesThenEvents_PendingDeliveryKeepsItsEvent()
    {
        var done = await PublishAtAsync(Old, ["w1"]);
        await DriveAsync(done.DeliveryIds[0], DeliveryStatus.Succeeded, Old);
        var pending = await PublishAtAsync(Old.AddSeconds(1), ["w1"]);

        await Retention.DeleteDeliveriesAsync(T0, 100, None);
        await Retention.DeleteEventsAsync(T0, 100, None);

        Assert.Equal([pending.EventId], (await EventsAsync(Old.AddDays(-1), Recent)).Select(e => e.Id));
        Assert.Equal(pending.DeliveryIds, await DeliveryIdsAsync());
    }

    [Fact]
    public async Task Sweep_EventOfARetriedDelivery_StillClaimableWithItsBody()
    {
        var failed = await PublishAtAsync(Old, ["w1"]);
        await DriveAsync(failed.DeliveryIds[0], DeliveryStatus.Failed, Old);
        await Deliveries.RetryAsync(failed.DeliveryIds[0], null, T0, None);

        await Retention.DeleteDeliveriesAsync(T0, 100, None);
        await Retention.DeleteEventsAsync(T0, 100, None);

        var claimed = Assert.Single(await Claim(T0));
        Assert.Equal(failed.EventId, claimed.EventId);
        Assert.False(claimed.Body.IsEmpty);
    }

    [Fact]
    public async Task DeleteIdempotencyKeysAsync_OnlyOlderThanCutoff()
    {
        await PublishAtAsync(Old, [], idempotencyKey: "old-1");
        await PublishAtAsync(Old.AddSeconds(1), [], idempotencyKey: "old-2");
        await PublishAtAsync(Old.AddSeconds(2), [], idempotencyKey: "old-3");
        var recent = await PublishAtAsync(Recent, [], idempotencyKey: "recent");

        Assert.Equal(3, await Retention.DeleteIdempotencyKeysAsync(T0, 2, None));

        Assert.False((await Events.IngestAsync(new IngestBatch([NewEvent(IdAt(Recent))], [], "scope", "old-1", Recent), None)).Replayed);
        var again = await Events.IngestAsync(new IngestBatch([NewEvent(IdAt(Recent))], [], "scope", "recent", Recent), None);
        Assert.Equal((true, recent.EventId), (again.Replayed, Assert.Single(again.EventIds)));
    }

    [Fact]
    public async Task DeleteIdempotencyKeysAsync_KeyDeleted_EventsStay()
    {
        var published = await PublishAtAsync(Old, [], idempotencyKey: "old-1");

        await Retention.DeleteIdempotencyKeysAsync(T0, 100, None);

        Assert.Equal([published.EventId], (await EventsAsync(Old, T0)).Select(e => e.Id));
    }

    [Fact]
    public async Task DeleteReplayJobsAsync_OnlyFinishedBeforeCutoff()
    {
        var oldDone = Job(Old) with { Status = ReplayJobStatus.Completed };
        var oldCancelled = Job(Old.AddSeconds(1)) with { Status = ReplayJobStatus.Cancelled };
        var oldRunning = Job(Old.AddSeconds(2));
        var recentDone = Job(Recent) with { Status = ReplayJobStatus.Completed };
        var doneAtCutoff = Job(T0) with { Status = ReplayJobStatus.Completed };
        foreach (var job in new[] { oldDone, oldCancelled, oldRunning, recentDone, doneAtCutoff })
        {
            await Replays.InsertAsync(job, None);
        }

        Assert.Equal(2, await Retention.DeleteReplayJobsAsync(T0, None));

        Assert.Null(await Replays.GetAsync(oldDone.Id, null, None));
        Assert.Null(await Replays.GetAsync(oldCancelled.Id, null, None));
        Assert.NotNull(await Replays.GetAsync(oldRunning.Id, null, None));
        Assert.NotNull(await Replays.GetAsync(recentDone.Id, null, None));
        Assert.NotNull(await Replays.GetAsync(doneAtCutoff.Id, null, None));
    }

    [Fact]
    public async Task DeleteReplayJobsAsync_StartedLongAgoFinishedLately_Kept()
    {
        var job = Job(Old);
        await Replays.InsertAsync(job, None);
        await Replays.CommitChunkAsync(new ReplayChunk(job.Id, null, null, 0, [], [], Last: true, Recent), None);

        Assert.Equal(0, await Retention.DeleteReplayJobsAsync(T0, None));
        Assert.Equal(ReplayJobStatus.Completed, (await Replays.GetAsync(job.Id, null, None))!.Status);
    }

    private static ReplayJob Job(DateTimeOffset modifiedAt) =>
        new(IdAt(modifiedAt), "w1", null, modifiedAt.AddDays(-1), modifiedAt, false, ReplayJobStatus.Running, null, 0, 0, modifiedAt, modifiedAt);
}
