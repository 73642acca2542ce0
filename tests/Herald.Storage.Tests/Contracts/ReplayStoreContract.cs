using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Durable replay jobs: <see cref="IReplayStore"/>.</summary>
public abstract class ReplayStoreContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2", domainId: "d1");
    }

    [Fact]
    public async Task ReadEventsAsync_Range_OnlyEventsFromSinceUntilUntilExclusiveInTimeOrder()
    {
        var before = await PublishAtAsync(T0.AddMilliseconds(-1), []);
        var first = await PublishAtAsync(T0, []);
        var second = await PublishAtAsync(T0.AddMinutes(1), []);
        var atUntil = await PublishAtAsync(T0.AddMinutes(2), []);
        var job = NewJob("w1", T0, T0.AddMinutes(2));

        var events = await Replays.ReadEventsAsync(job, "assets", 10, None);

        Assert.Equal([first.EventId, second.EventId], events.Select(e => e.Id));
        Assert.DoesNotContain(before.EventId, events.Select(e => e.Id));
        Assert.DoesNotContain(atUntil.EventId, events.Select(e => e.Id));
        Assert.Equal(T0, events[0].ReceivedAt);
        Assert.Equal("obj-1", events[0].Event.ObjectId);
    }

    [Fact]
    public async Task ReadEventsAsync_OtherEventType_NotReturned()
    {
        await PublishAtAsync(T0, [], eventType: "collections");
        var asset = await PublishAtAsync(T0.AddSeconds(1), []);

        var events = await Replays.ReadEventsAsync(NewJob("w1", T0, T0.AddMinutes(1)), "assets", 10, None);

        Assert.Equal([asset.EventId], events.Select(e => e.Id));
    }

    [Fact]
    public async Task ReadEventsAsync_Max_LimitsTheChunkAndTheCursorGoesOn()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await PublishAtAsync(T0.AddSeconds(i), [])).EventId);
        }

        var job = NewJob("w1", T0, T0.AddMinutes(1));
        var first = await Replays.ReadEventsAsync(job, "assets", 3, None);
        var rest = await Replays.ReadEventsAsync(job with { Cursor = first[^1].Id }, "assets", 3, None);

        Assert.Equal(ids[..3], first.Select(e => e.Id));
        Assert.Equal(ids[3..], rest.Select(e => e.Id));
    }

    [Fact]
    public async Task ReadEventsAsync_ManyInTheSameMillisecond_AllReadOnceAcrossChunks()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await PublishAtAsync(T0, [])).EventId);
        }

        var job = NewJob("w1", T0, T0.AddMinutes(1));
        var seen = new List<string>();
        while (true)
        {
            var chunk = await Replays.ReadEventsAsync(job, "assets", 2, None);
            if (chunk.Count == 0)
            {
                break;
            }

            seen.AddRange(chunk.Select(e => e.Id));
            job = job with { Cursor = chunk[^1].Id };
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task ReadEventsAsync_EmptyRange_Nothing()
    {
        await PublishAtAsync(T0, []);

        Assert.Empty(await Replays.ReadEventsAsync(NewJob("w1", T0.AddMinutes(1), T0.AddMinutes(1)), "assets", 10, None));
    }

    [Fact]
    public async Task InsertAsync_Job_ReadBackWithEveryField()
    {
        var job = NewJob("w2", T0, T0.AddMinutes(1), onlyFailed: true, domainId: "d1");

        await Replays.InsertAsync(job, None);

        Assert.Equal(job, await Replays.GetAsync(job.Id, null, None));
    }

    [Fact]
    public async Task GetAsync_Unknown_Null()
    {
        Assert.Null(await Replays.GetAsync("nope", null, None));
    }

    [Fact]
    public async Task CommitChunkAsync_ChunksByCursor_EveryEventOnceThenCompleted()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await PublishAtAsync(T0.AddSeconds(i), [])).EventId);
        }

        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);
        var seen = new List<string>();
        var rounds = 0;
        while (job.Status == ReplayJobStatus.Running)
        {
            var events = await Replays.ReadEventsAsync(job, "assets", 2, None);
            seen.AddRange(events.Select(e => e.Id));
            var deliveries = events.Select(e => new NewDelivery(IdAt(T0.AddHours(1)), "w1", e.Id, e.Event.ObjectId, null, T0.AddHours(1))).ToList();
            job = (await Replays.CommitChunkAsync(Chunk(job, events.LastOrDefault()?.Id, events.Count, deliveries, last: events.Count < 2), None))!;
            rounds++;
        }

        Assert.Equal(ids, seen);
        Assert.Equal(3, rounds);
        Assert.Equal((ReplayJobStatus.Completed, 5L, 5L, T0.AddHours(1)), (job.Status, job.EventsScanned, job.DeliveriesCreated, job.ModifiedAt));
        var created = await ListAllAsync(webhookId: "w1", status: DeliveryStatus.Pending);
        Assert.Equal(ids.Order(StringComparer.Ordinal), created.Select(d => d.EventId).Order(StringComparer.Ordinal));
        Assert.All(created, d => Assert.Equal(T0.AddHours(1), d.NextAttemptAt));
        Assert.Equal(5, (await Claim(T0.AddHours(1))).Count);
        Assert.Empty(await Replays.ListRunningAsync(None));
    }

    [Fact]
    public async Task CommitChunkAsync_NotLast_JobStillRunningWithTheNewCursor()
    {
        var e = await PublishAtAsync(T0, []);
        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);

        var after = await Replays.CommitChunkAsync(Chunk(job, e.EventId, 1, [], last: false), None);

        Assert.Equal((ReplayJobStatus.Running, e.EventId, 1L, 0L), (after!.Status, after.Cursor, after.EventsScanned, after.DeliveriesCreated));
        Assert.Equal(after, await Replays.GetAsync(job.Id, null, None));
        Assert.Equal([job.Id], (await Replays.ListRunningAsync(None)).Select(j => j.Id));
    }

    [Fact]
    public async Task CommitChunkAsync_CursorMovedOn_NothingWritten()
    {
        var e = await PublishAtAsync(T0, []);
        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);
        var delivery = new NewDelivery(IdAt(T0), "w1", e.EventId, null, null, T0);
        Assert.NotNull(await Replays.CommitChunkAsync(Chunk(job, e.EventId, 1, [delivery], last: false), None));

        // A second worker (or a retry after a lost answer) with the old cursor must not count twice.
        var again = await Replays.CommitChunkAsync(Chunk(job, e.EventId, 1, [delivery with { Id = IdAt(T0) }], last: false), None);

        Assert.Null(again);
        Assert.Single(await DeliveryIdsAsync());
        Assert.Equal(1L, (await Replays.GetAsync(job.Id, null, None))!.DeliveriesCreated);
    }

    [Fact]
    public async Task CommitChunkAsync_TwoWorkersRaceOnOneCursor_OnlyOneCounts()
    {
        var e = await PublishAtAsync(T0, []);
        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Replays.CommitChunkAsync(
            Chunk(job, e.EventId, 1, [new NewDelivery(IdAt(T0), "w1", e.EventId, null, null, T0)], last: false), None))));

        Assert.Single(results, r => r is not null);
        Assert.Single(await DeliveryIdsAsync());
        Assert.Equal((1L, 1L), ((await Replays.GetAsync(job.Id, null, None))!.EventsScanned, (await Replays.GetAsync(job.Id, null, None))!.DeliveriesCreated));
    }

    [Fact]
    public async Task CommitChunkAsync_UnknownJob_Null()
    {
        var job = NewJob("w1", T0, T0.AddMinutes(1));

        Assert.Null(await Replays.CommitChunkAsync(Chunk(job, null, 0, [], last: true), None));
    }

    [Fact]
    public async Task CommitChunkAsync_JobCancelled_NothingWritten()
    {
        var e = await PublishAtAsync(T0, []);
        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);

        var cancelled = await Replays.CancelAsync(job.Id, null, T0.AddHours(1), None);
        var after = await Replays.CommitChunkAsync(Chunk(job, e.EventId, 1, [new NewDelivery(IdAt(T0), "w1", e.EventId, null, null, T0)], last: true), None);

        Assert.Equal(ReplayJobStatus.Cancelled, cancelled!.Status);
        Assert.Equal(T0.AddHours(1), cancelled.ModifiedAt);
        Assert.Null(after);
        Assert.Empty(await DeliveryIdsAsync());
        Assert.Empty(await Replays.ListRunningAsync(None));
    }

    [Fact]
    public async Task CommitChunkAsync_PausedWebhook_NewDeliveriesHeld()
    {
        var e = await PublishAtAsync(T0, []);
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);
        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);

        await Replays.CommitChunkAsync(Chunk(job, e.EventId, 1, [new NewDelivery(IdAt(T0), "w1", e.EventId, null, null, T0)], last: true), None);

        Assert.Single(await DeliveryIdsAsync(status: DeliveryStatus.Pending));
        Assert.Empty(await Claim(T0.AddDays(1)));
        await SetWebhookStatusAsync("w1", WebhookStatus.Enabled);
        Assert.Single(await Claim(T0.AddDays(1)));
    }

    [Fact]
    public async Task ListRunningAsync_SeveralJobs_OnlyRunningOldestFirst()
    {
        var older = NewJob("w1", T0, T0.AddMinutes(1));
        var newer = NewJob("w1", T0, T0.AddMinutes(2));
        var done = NewJob("w1", T0, T0.AddMinutes(3)) with { Status = ReplayJobStatus.Completed };
        await Replays.InsertAsync(newer, None);
        await Replays.InsertAsync(done, None);
        await Replays.InsertAsync(older, None);

        Assert.Equal([older.Id, newer.Id], (await Replays.ListRunningAsync(None)).Select(j => j.Id));
    }

    [Fact]
    public async Task ListRunningAsync_AfterReopen_ResumesFromCommittedCursor()
    {
        var events = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            events.Add((await PublishAtAsync(T0.AddSeconds(i), [])).EventId);
        }

        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);
        var first = await Replays.ReadEventsAsync(job, "assets", 2, None);
        await Replays.CommitChunkAsync(Chunk(job, first[^1].Id, first.Count, [], last: false), None);

        // A new process on the same data: the job is still running, and reading goes on after the cursor.
        await using var reopened = await Stores.OpenAgainAsync();
        var resumed = Assert.Single(await reopened.Replays.ListRunningAsync(None));
        var rest = await reopened.Replays.ReadEventsAsync(resumed, "assets", 2, None);

        Assert.Equal(first[^1].Id, resumed.Cursor);
        Assert.Equal(2L, resumed.EventsScanned);
        Assert.Equal([events[2]], rest.Select(e => e.Id));
    }

    [Fact]
    public async Task ReadFailedAsync_OnlyFailedOfTheWebhookInRange_RequeuedByCommit()
    {
        var inRange = await PublishAtAsync(T0, ["w1"]);
        var succeeded = await PublishAtAsync(T0.AddSeconds(1), ["w1"]);
        var outOfRange = await PublishAtAsync(T0.AddMinutes(5), ["w1"]);
        var otherWebhook = await PublishAtAsync(T0.AddSeconds(2), ["w2"]);
        var cancelled = await PublishAtAsync(T0.AddSeconds(3), ["w1"]);
        var pending = await PublishAtAsync(T0.AddSeconds(4), ["w1"]);
        await DriveAsync(inRange.DeliveryIds[0], DeliveryStatus.Failed, T0);
        await DriveAsync(succeeded.DeliveryIds[0], DeliveryStatus.Succeeded, T0.AddSeconds(1));
        await DriveAsync(outOfRange.DeliveryIds[0], DeliveryStatus.Failed, T0.AddMinutes(5));
        await DriveAsync(otherWebhook.DeliveryIds[0], DeliveryStatus.Failed, T0.AddSeconds(2));
        await DriveAsync(cancelled.DeliveryIds[0], DeliveryStatus.Cancelled, T0.AddSeconds(3));
        var job = NewJob("w1", T0, T0.AddMinutes(1), onlyFailed: true);
        await Replays.InsertAsync(job, None);

        var failed = await Replays.ReadFailedAsync(job, 10, None);
        var after = await Replays.CommitChunkAsync(new ReplayChunk(job.Id, null, failed[^1], failed.Count, [], failed, Last: true, T0.AddHours(1)), None);

        Assert.Equal([inRange.DeliveryIds[0]], failed);
        Assert.Equal((ReplayJobStatus.Completed, 1L, 1L), (after!.Status, after.EventsScanned, after.DeliveriesCreated));
        Assert.Equal(DeliveryStatus.Pending, await StatusOf(inRange.DeliveryIds[0]));
        Assert.Equal(T0.AddHours(1), (await GetAsync(inRange.DeliveryIds[0])).NextAttemptAt);
        Assert.Equal(DeliveryStatus.Failed, await StatusOf(outOfRange.DeliveryIds[0]));
        Assert.Equal(DeliveryStatus.Failed, await StatusOf(otherWebhook.DeliveryIds[0]));
        Assert.Equal(DeliveryStatus.Succeeded, await StatusOf(succeeded.DeliveryIds[0]));
        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf(cancelled.DeliveryIds[0]));
        Assert.Equal(DeliveryStatus.Pending, await StatusOf(pending.DeliveryIds[0]));
    }

    [Fact]
    public async Task ReadFailedAsync_Max_ChunksInIdOrder()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var published = await PublishAtAsync(T0.AddSeconds(i), ["w1"]);
            await DriveAsync(published.DeliveryIds[0], DeliveryStatus.Failed, T0.AddSeconds(i));
            ids.Add(published.DeliveryIds[0]);
        }

        var job = NewJob("w1", T0, T0.AddMinutes(1), onlyFailed: true);
        var first = await Replays.ReadFailedAsync(job, 3, None);
        var rest = await Replays.ReadFailedAsync(job with { Cursor = first[^1] }, 3, None);

        Assert.Equal(ids[..3], first);
        Assert.Equal(ids[3..], rest);
    }

    [Fact]
    public async Task CommitChunkAsync_RequeueOfADeliveryNoLongerFailed_NotCounted()
    {
        var published = await PublishAtAsync(T0, ["w1"]);
        await DriveAsync(published.DeliveryIds[0], DeliveryStatus.Failed, T0);
        var job = NewJob("w1", T0, T0.AddMinutes(1), onlyFailed: true);
        await Replays.InsertAsync(job, None);
        var failed = await Replays.ReadFailedAsync(job, 10, None);

        // Retried by hand between the read and the commit.
        await Deliveries.RetryAsync(published.DeliveryIds[0], null, T0.AddMinutes(30), None);
        var after = await Replays.CommitChunkAsync(new ReplayChunk(job.Id, null, failed[^1], failed.Count, [], failed, Last: true, T0.AddHours(1)), None);

        Assert.Equal(0L, after!.DeliveriesCreated);
        Assert.Equal(T0.AddMinutes(30), (await GetAsync(published.DeliveryIds[0])).NextAttemptAt);
    }

    [Fact]
    public async Task GetAsync_OtherDomain_NotFound()
    {
        var job = NewJob("w2", T0, T0.AddMinutes(1), domainId: "d1");
        await Replays.InsertAsync(job, None);

        Assert.NotNull(await Replays.GetAsync(job.Id, "d1", None));
        Assert.NotNull(await Replays.GetAsync(job.Id, null, None));
        Assert.Null(await Replays.GetAsync(job.Id, "d2", None));
        Assert.Null(await Replays.CancelAsync(job.Id, "d2", T0, None));
        Assert.Equal(ReplayJobStatus.Running, (await Replays.GetAsync(job.Id, null, None))!.Status);
    }

    [Fact]
    public async Task CancelAsync_OwnDomain_Cancelled()
    {
        var job = NewJob("w2", T0, T0.AddMinutes(1), domainId: "d1");
        await Replays.InsertAsync(job, None);

        Assert.Equal(ReplayJobStatus.Cancelled, (await Replays.CancelAsync(job.Id, "d1", T0.AddMinutes(5), None))!.Status);
    }

    [Fact]
    public async Task CancelAsync_Unknown_Null()
    {
        Assert.Null(await Replays.CancelAsync("nope", null, T0, None));
    }

    [Fact]
    public async Task CancelAsync_Twice_KeepsTheFirstCancelTime()
    {
        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);
        await Replays.CancelAsync(job.Id, null, T0.AddHours(1), None);

        var again = await Replays.CancelAsync(job.Id, null, T0.AddHours(2), None);

        Assert.Equal((ReplayJobStatus.Cancelled, T0.AddHours(1)), (again!.Status, again.ModifiedAt));
    }

    [Fact]
    public async Task CancelAsync_CompletedJob_StaysCompleted()
    {
        var job = NewJob("w1", T0, T0.AddMinutes(1));
        await Replays.InsertAsync(job, None);
        await Replays.CommitChunkAsync(Chunk(job, null, 0, [], last: true), None);

        var after = await Replays.CancelAsync(job.Id, null, T0.AddHours(1), None);

        Assert.Equal(ReplayJobStatus.Completed, after!.Status);
    }

    private static ReplayJob NewJob(string webhookId, DateTimeOffset since, DateTimeOffset until, bool onlyFailed = false, string? domainId = null) =>
        new(IdAt(until), webhookId, domainId, since, until, onlyFailed, ReplayJobStatus.Running, null, 0, 0, until, until);

    private static ReplayChunk Chunk(ReplayJob job, string? cursor, int scanned, IReadOnlyList<NewDelivery> deliveries, bool last) =>
        new(job.Id, job.Cursor, cursor, scanned, deliveries, [], last, T0.AddHours(1));
}
