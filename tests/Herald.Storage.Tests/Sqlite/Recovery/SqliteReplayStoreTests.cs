using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite.Recovery;

public sealed class SqliteReplayStoreTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly SqliteTestDatabase _db = new();
    private readonly RecoveryData _data;

    public SqliteReplayStoreTests() => _data = new RecoveryData(_db);

    public async Task InitializeAsync()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.InsertWebhookAsync("w2", domainId: "d1");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task ReadEventsAsync_Range_OnlyEventsFromSinceUntilUntilExclusiveInTimeOrder()
    {
        var before = await _data.PublishAtAsync(T0.AddMilliseconds(-1), []);
        var first = await _data.PublishAtAsync(T0, []);
        var second = await _data.PublishAtAsync(T0.AddMinutes(1), []);
        var atUntil = await _data.PublishAtAsync(T0.AddMinutes(2), []);
        var job = RecoveryData.NewJob("w1", T0, T0.AddMinutes(2));

        var events = await _data.Replays.ReadEventsAsync(job, "assets", 10, None);

        Assert.Equal([first.EventId, second.EventId], events.Select(e => e.Id));
        Assert.DoesNotContain(before.EventId, events.Select(e => e.Id));
        Assert.DoesNotContain(atUntil.EventId, events.Select(e => e.Id));
        Assert.Equal(T0, events[0].ReceivedAt);
        Assert.Equal("obj-1", events[0].Event.ObjectId);
    }

    [Fact]
    public async Task ReadEventsAsync_OtherEventType_NotReturned()
    {
        await _data.PublishAtAsync(T0, [], eventType: "collections");
        var asset = await _data.PublishAtAsync(T0.AddSeconds(1), []);

        var events = await _data.Replays.ReadEventsAsync(RecoveryData.NewJob("w1", T0, T0.AddMinutes(1)), "assets", 10, None);

        Assert.Equal([asset.EventId], events.Select(e => e.Id));
    }

    [Fact]
    public async Task CommitChunkAsync_ChunksByCursor_EveryEventOnceThenCompleted()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await _data.PublishAtAsync(T0.AddSeconds(i), [])).EventId);
        }

        var job = RecoveryData.NewJob("w1", T0, T0.AddMinutes(1));
        await _data.Replays.InsertAsync(job, None);
        var seen = new List<string>();
        var rounds = 0;
        while (job.Status == ReplayJobStatus.Running)
        {
            var events = await _data.Replays.ReadEventsAsync(job, "assets", 2, None);
            seen.AddRange(events.Select(e => e.Id));
            var deliveries = events.Select(e => new NewDelivery(RecoveryData.IdAt(T0.AddHours(1)), "w1", e.Id, e.Event.ObjectId, null, T0.AddHours(1))).ToList();
            job = (await _data.Replays.CommitChunkAsync(Chunk(job, events.LastOrDefault()?.Id, events.Count, deliveries, last: events.Count < 2), None))!;
            rounds++;
        }

        Assert.Equal(ids, seen);
        Assert.Equal(3, rounds);
        Assert.Equal((ReplayJobStatus.Completed, 5L, 5L), (job.Status, job.EventsScanned, job.DeliveriesCreated));
        Assert.Equal(5, _db.Count("SELECT COUNT(*) FROM deliveries WHERE webhook_id = 'w1' AND status = 0 AND held = 0 AND next_attempt_at = $0", T0.AddHours(1).ToUnixTimeMilliseconds()));
        Assert.Empty(await _data.Replays.ListRunningAsync(None));
    }

    [Fact]
    public async Task CommitChunkAsync_CursorMovedOn_NothingWritten()
    {
        var e = await _data.PublishAtAsync(T0, []);
        var job = RecoveryData.NewJob("w1", T0, T0.AddMinutes(1));
        await _data.Replays.InsertAsync(job, None);
        var delivery = new NewDelivery(RecoveryData.IdAt(T0), "w1", e.EventId, null, null, T0);
        Assert.NotNull(await _data.Replays.CommitChunkAsync(Chunk(job, e.EventId, 1, [delivery], last: false), None));

        // A second worker (or a retry after a lost answer) with the old cursor must not count twice.
        var again = await _data.Replays.CommitChunkAsync(Chunk(job, e.EventId, 1, [delivery with { Id = RecoveryData.IdAt(T0) }], last: false), None);

        Assert.Null(again);
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(1L, (await _data.Replays.GetAsync(job.Id, null, None))!.DeliveriesCreated);
    }

    [Fact]
    public async Task CommitChunkAsync_JobCancelled_NothingWritten()
    {
        var e = await _data.PublishAtAsync(T0, []);
        var job = RecoveryData.NewJob("w1", T0, T0.AddMinutes(1));
        await _data.Replays.InsertAsync(job, None);

        var cancelled = await _data.Replays.CancelAsync(job.Id, null, T0.AddHours(1), None);
        var after = await _data.Replays.CommitChunkAsync(
            Chunk(job, e.EventId, 1, [new NewDelivery(RecoveryData.IdAt(T0), "w1", e.EventId, null, null, T0)], last: true), None);

        Assert.Equal(ReplayJobStatus.Cancelled, cancelled!.Status);
        Assert.Equal(T0.AddHours(1), cancelled.ModifiedAt);
        Assert.Null(after);
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task CommitChunkAsync_PausedWebhook_NewDeliveriesHeld()
    {
        var e = await _data.PublishAtAsync(T0, []);
        await _db.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Paused }, None);
        var job = RecoveryData.NewJob("w1", T0, T0.AddMinutes(1));
        await _data.Replays.InsertAsync(job, None);

        await _data.Replays.CommitChunkAsync(Chunk(job, e.EventId, 1, [new NewDelivery(RecoveryData.IdAt(T0), "w1", e.EventId, null, null, T0)], last: true), None);

        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND held = 1"));
    }

    [Fact]
    public async Task ListRunningAsync_AfterReopen_ResumesFromCommittedCursor()
    {
        var events = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            events.Add((await _data.PublishAtAsync(T0.AddSeconds(i), [])).EventId);
        }

        var job = RecoveryData.NewJob("w1", T0, T0.AddMinutes(1));
        await _data.Replays.InsertAsync(job, None);
        var first = await _data.Replays.ReadEventsAsync(job, "assets", 2, None);
        await _data.Replays.CommitChunkAsync(Chunk(job, first[^1].Id, first.Count, [], last: false), None);

        // A new process on the same file: the job is still running, and reading goes on after the cursor.
        await using var reopened = new ServiceCollection().AddHeraldSqlite(_db.Options).BuildServiceProvider();
        var store = reopened.GetRequiredService<IReplayStore>();
        var resumed = Assert.Single(await store.ListRunningAsync(None));
        var rest = await store.ReadEventsAsync(resumed, "assets", 2, None);

        Assert.Equal(first[^1].Id, resumed.Cursor);
        Assert.Equal(2L, resumed.EventsScanned);
        Assert.Equal([events[2]], rest.Select(e => e.Id));
    }

    [Fact]
    public async Task ReadFailedAsync_OnlyFailedOfTheWebhookInRange_RequeuedByCommit()
    {
        var inRange = await _data.PublishAtAsync(T0, ["w1"]);
        var succeeded = await _data.PublishAtAsync(T0.AddSeconds(1), ["w1"]);
        var outOfRange = await _data.PublishAtAsync(T0.AddMinutes(5), ["w1"]);
        var otherWebhook = await _data.PublishAtAsync(T0.AddSeconds(2), ["w2"]);
        await _data.SetStatusAsync(inRange.DeliveryIds[0], DeliveryStatus.Failed, T0);
        await _data.SetStatusAsync(succeeded.DeliveryIds[0], DeliveryStatus.Succeeded, T0);
        await _data.SetStatusAsync(outOfRange.DeliveryIds[0], DeliveryStatus.Failed, T0);
        await _data.SetStatusAsync(otherWebhook.DeliveryIds[0], DeliveryStatus.Failed, T0);
        var job = RecoveryData.NewJob("w1", T0, T0.AddMinutes(1), onlyFailed: true);
        await _data.Replays.InsertAsync(job, None);

        var failed = await _data.Replays.ReadFailedAsync(job, 10, None);
        var after = await _data.Replays.CommitChunkAsync(
            new ReplayChunk(job.Id, null, failed[^1], failed.Count, [], failed, Last: true, T0.AddHours(1)), None);

        Assert.Equal([inRange.DeliveryIds[0]], failed);
        Assert.Equal((ReplayJobStatus.Completed, 1L, 1L), (after!.Status, after.EventsScanned, after.DeliveriesCreated));
        Assert.Equal(DeliveryStatus.Pending, _data.StatusOf(inRange.DeliveryIds[0]));
        Assert.Equal(T0.AddHours(1), (await _db.Deliveries.GetAsync(inRange.DeliveryIds[0], null, None))!.NextAttemptAt);
        Assert.Equal(DeliveryStatus.Failed, _data.StatusOf(outOfRange.DeliveryIds[0]));
        Assert.Equal(DeliveryStatus.Failed, _data.StatusOf(otherWebhook.DeliveryIds[0]));
        Assert.Equal(DeliveryStatus.Succeeded, _data.StatusOf(succeeded.DeliveryIds[0]));
    }

    [Fact]
    public async Task GetAsync_OtherDomain_NotFound()
    {
        var job = RecoveryData.NewJob("w2", T0, T0.AddMinutes(1), domainId: "d1");
        await _data.Replays.InsertAsync(job, None);

        Assert.NotNull(await _data.Replays.GetAsync(job.Id, "d1", None));
        Assert.NotNull(await _data.Replays.GetAsync(job.Id, null, None));
        Assert.Null(await _data.Replays.GetAsync(job.Id, "d2", None));
        Assert.Null(await _data.Replays.CancelAsync(job.Id, "d2", T0, None));
        Assert.Equal(ReplayJobStatus.Running, (await _data.Replays.GetAsync(job.Id, null, None))!.Status);
    }

    [Fact]
    public async Task CancelAsync_CompletedJob_StaysCompleted()
    {
        var job = RecoveryData.NewJob("w1", T0, T0.AddMinutes(1));
        await _data.Replays.InsertAsync(job, None);
        await _data.Replays.CommitChunkAsync(Chunk(job, null, 0, [], last: true), None);

        var after = await _data.Replays.CancelAsync(job.Id, null, T0.AddHours(1), None);

        Assert.Equal(ReplayJobStatus.Completed, after!.Status);
    }

    private static ReplayChunk Chunk(ReplayJob job, string? cursor, int scanned, IReadOnlyList<NewDelivery> deliveries, bool last) =>
        new(job.Id, job.Cursor, cursor, scanned, deliveries, [], last, T0.AddHours(1));
}
