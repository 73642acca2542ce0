using Herald.Core.Deliveries;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite.Recovery;

/// <summary>Retention with explicit times: the cutoff is T0; everything before it is expired.</summary>
public sealed class SqliteRetentionStoreTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Old = T0.AddDays(-20);
    private static readonly DateTimeOffset Recent = T0.AddHours(1);

    private readonly SqliteTestDatabase _db = new();
    private readonly RecoveryData _data;

    public SqliteRetentionStoreTests() => _data = new RecoveryData(_db);

    public Task InitializeAsync() => _db.InsertWebhookAsync("w1");

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Theory]
    [InlineData(DeliveryStatus.Succeeded)]
    [InlineData(DeliveryStatus.Failed)]
    [InlineData(DeliveryStatus.Cancelled)]
    public async Task DeleteDeliveriesAsync_TerminalBeforeCutoff_DeletedWithAttempts(DeliveryStatus status)
    {
        var (_, ids) = await _data.PublishAtAsync(Old, ["w1"]);
        await _data.SetStatusAsync(ids[0], status, Old.AddMinutes(1));

        Assert.Equal(1, await _data.Retention.DeleteDeliveriesAsync(T0, 100, None));

        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM attempts"));
    }

    [Fact]
    public async Task DeleteDeliveriesAsync_PendingRecentOrRetriedLately_Kept()
    {
        var (_, pending) = await _data.PublishAtAsync(Old, ["w1"]);
        var (_, recent) = await _data.PublishAtAsync(Recent, ["w1"]);
        await _data.SetStatusAsync(recent[0], DeliveryStatus.Succeeded, Recent);
        var (_, retriedLately) = await _data.PublishAtAsync(Old.AddSeconds(1), ["w1"]);
        await _data.SetStatusAsync(retriedLately[0], DeliveryStatus.Failed, Recent);

        Assert.Equal(0, await _data.Retention.DeleteDeliveriesAsync(T0, 100, None));

        Assert.Equal(3, _db.Count("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM attempts"));
        Assert.Equal(DeliveryStatus.Pending, _data.StatusOf(pending[0]));
    }

    [Fact]
    public async Task DeleteDeliveriesAsync_SmallBatches_DeletesAll()
    {
        for (var i = 0; i < 7; i++)
        {
            var (_, ids) = await _data.PublishAtAsync(Old.AddSeconds(i), ["w1"]);
            await _data.SetStatusAsync(ids[0], DeliveryStatus.Succeeded, Old.AddSeconds(i));
        }

        Assert.Equal(7, await _data.Retention.DeleteDeliveriesAsync(T0, 2, None));
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task DeleteEventsAsync_OnlyExpiredAndUnreferenced()
    {
        var unreferenced = await _data.PublishAtAsync(Old, []);
        var withPending = await _data.PublishAtAsync(Old.AddSeconds(1), ["w1"]);
        var withTerminal = await _data.PublishAtAsync(Old.AddSeconds(2), ["w1"]);
        await _data.SetStatusAsync(withTerminal.DeliveryIds[0], DeliveryStatus.Succeeded, Recent);
        var recent = await _data.PublishAtAsync(Recent, []);

        Assert.Equal(1, await _data.Retention.DeleteEventsAsync(T0, 1, None));

        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM events WHERE id = $0", unreferenced.EventId));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM events WHERE id = $0", withPending.EventId));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM events WHERE id = $0", withTerminal.EventId));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM events WHERE id = $0", recent.EventId));
    }

    [Fact]
    public async Task Sweep_DeliveriesThenEvents_PendingDeliveryKeepsItsEvent()
    {
        var done = await _data.PublishAtAsync(Old, ["w1"]);
        await _data.SetStatusAsync(done.DeliveryIds[0], DeliveryStatus.Succeeded, Old);
        var pending = await _data.PublishAtAsync(Old.AddSeconds(1), ["w1"]);

        await _data.Retention.DeleteDeliveriesAsync(T0, 100, None);
        await _data.Retention.DeleteEventsAsync(T0, 100, None);

        Assert.Equal([pending.EventId], Ids("SELECT id FROM events"));
        Assert.Equal(pending.DeliveryIds, Ids("SELECT id FROM deliveries"));
    }

    [Fact]
    public async Task DeleteIdempotencyKeysAsync_OnlyOlderThanCutoff()
    {
        await _data.PublishAtAsync(Old, [], idempotencyKey: "old-1");
        await _data.PublishAtAsync(Old.AddSeconds(1), [], idempotencyKey: "old-2");
        await _data.PublishAtAsync(Old.AddSeconds(2), [], idempotencyKey: "old-3");
        await _data.PublishAtAsync(Recent, [], idempotencyKey: "recent");

        Assert.Equal(3, await _data.Retention.DeleteIdempotencyKeysAsync(T0, 2, None));

        Assert.Equal(["recent"], Ids("SELECT key FROM idempotency_keys"));
    }

    [Fact]
    public async Task DeleteReplayJobsAsync_OnlyFinishedBeforeCutoff()
    {
        var oldDone = RecoveryData.NewJob("w1", Old.AddDays(-1), Old) with { Status = ReplayJobStatus.Completed };
        var oldCancelled = RecoveryData.NewJob("w1", Old.AddDays(-1), Old.AddSeconds(1)) with { Status = ReplayJobStatus.Cancelled };
        var oldRunning = RecoveryData.NewJob("w1", Old.AddDays(-1), Old.AddSeconds(2));
        var recentDone = RecoveryData.NewJob("w1", Old, Recent) with { Status = ReplayJobStatus.Completed };
        foreach (var job in new[] { oldDone, oldCancelled, oldRunning, recentDone })
        {
            await _data.Replays.InsertAsync(job, None);
        }

        Assert.Equal(2, await _data.Retention.DeleteReplayJobsAsync(T0, None));

        Assert.Equal(new[] { oldRunning.Id, recentDone.Id }.Order(StringComparer.Ordinal), Ids("SELECT id FROM replay_jobs ORDER BY id"));
    }

    private List<string> Ids(string sql)
    {
        using var connection = _db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
