using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage.Sqlite;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite.Recovery;

public sealed class SqliteDeliveryRecoveryStoreTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly SqliteTestDatabase _db = new();
    private readonly RecoveryData _data;

    public SqliteDeliveryRecoveryStoreTests() => _data = new RecoveryData(_db);

    public async Task InitializeAsync()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.InsertWebhookAsync("w2", domainId: "d1");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task CancelAsync_Pending_Cancelled()
    {
        var (_, ids) = await _data.PublishAtAsync(T0, ["w1"]);

        var outcome = await _data.Recovery.CancelAsync(ids[0], null, T0.AddMinutes(1), None);

        Assert.Equal(CancelOutcome.Cancelled, outcome);
        var view = (await _db.Deliveries.GetAsync(ids[0], null, None))!;
        Assert.Equal((DeliveryStatus.Cancelled, T0.AddMinutes(1)), (view.Status, view.UpdatedAt));
        Assert.Empty(await _db.Deliveries.ClaimDueAsync("n", T0.AddDays(1), TimeSpan.FromMinutes(1), 10, None));
    }

    [Fact]
    public async Task CancelAsync_NotPending_NotPendingAndUnchanged()
    {
        var (_, ids) = await _data.PublishAtAsync(T0, ["w1"]);
        await _data.SetStatusAsync(ids[0], DeliveryStatus.Succeeded, T0);

        Assert.Equal(CancelOutcome.NotPending, await _data.Recovery.CancelAsync(ids[0], null, T0, None));
        Assert.Equal(DeliveryStatus.Succeeded, _data.StatusOf(ids[0]));
    }

    [Fact]
    public async Task CancelAsync_UnknownOrOtherDomain_NotFound()
    {
        var (_, ids) = await _data.PublishAtAsync(T0, ["w1"]);

        Assert.Equal(CancelOutcome.NotFound, await _data.Recovery.CancelAsync("nope", null, T0, None));
        Assert.Equal(CancelOutcome.NotFound, await _data.Recovery.CancelAsync(ids[0], "d1", T0, None));
        Assert.Equal(DeliveryStatus.Pending, _data.StatusOf(ids[0]));
    }

    [Fact]
    public async Task CancelAsync_LeasedAttemptCompletesAfterwards_StaysCancelled()
    {
        var (_, ids) = await _data.PublishAtAsync(T0, ["w1"]);
        var claimed = Assert.Single(await _db.Deliveries.ClaimDueAsync("n", T0, TimeSpan.FromMinutes(1), 10, None));

        Assert.Equal(CancelOutcome.Cancelled, await _data.Recovery.CancelAsync(ids[0], null, T0, None));
        await _db.Deliveries.CompleteAsync(
            [new AttemptRecord(claimed.Id, "w1", 1, T0, 500, 3, "HTTP 500", null, Succeeded: false, NextAttemptAt: T0.AddSeconds(5))],
            T0.AddSeconds(1), TimeSpan.FromHours(5), None);

        Assert.Equal(DeliveryStatus.Cancelled, _data.StatusOf(ids[0]));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM attempts WHERE delivery_id = $0", ids[0]));
        Assert.Empty(await _db.Deliveries.ClaimDueAsync("n", T0.AddDays(1), TimeSpan.FromMinutes(1), 10, None));
    }

    [Fact]
    public async Task CancelPendingAsync_MoreThanOneBatch_CancelsEveryPendingOfThatWebhookOnly()
    {
        var count = SqliteDeliveryRecoveryStore.BatchSize + 250;
        await IngestManyAsync("w1", count, T0);
        var (_, other) = await _data.PublishAtAsync(T0, ["w2"]);
        var (_, done) = await _data.PublishAtAsync(T0.AddSeconds(1), ["w1"]);
        await _data.SetStatusAsync(done[0], DeliveryStatus.Failed, T0);

        var cancelled = await _data.Recovery.CancelPendingAsync("w1", T0.AddMinutes(1), None);

        Assert.Equal(count, cancelled);
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM deliveries WHERE webhook_id = 'w1' AND status = 0"));
        Assert.Equal(DeliveryStatus.Pending, _data.StatusOf(other[0]));
        Assert.Equal(DeliveryStatus.Failed, _data.StatusOf(done[0]));
    }

    [Fact]
    public async Task CancelPendingAsync_CreatedAfterTheRequest_Left()
    {
        var (_, later) = await _data.PublishAtAsync(T0.AddMinutes(2), ["w1"]);

        Assert.Equal(0, await _data.Recovery.CancelPendingAsync("w1", T0.AddMinutes(1), None));
        Assert.Equal(DeliveryStatus.Pending, _data.StatusOf(later[0]));
    }

    [Fact]
    public async Task RetryFailedAsync_MoreThanOneBatch_EveryFailedPendingAndDueNow()
    {
        var count = SqliteDeliveryRecoveryStore.BatchSize + 250;
        await IngestManyAsync("w1", count, T0);
        await _db.Writer.ExecuteAsync(s => s.Execute("UPDATE deliveries SET status = 2, next_attempt_at = NULL WHERE webhook_id = 'w1'"), None);
        var (_, succeeded) = await _data.PublishAtAsync(T0.AddSeconds(1), ["w1"]);
        await _data.SetStatusAsync(succeeded[0], DeliveryStatus.Succeeded, T0);
        var (_, other) = await _data.PublishAtAsync(T0, ["w2"]);
        await _data.SetStatusAsync(other[0], DeliveryStatus.Failed, T0);

        var retried = await _data.Recovery.RetryFailedAsync("w1", T0.AddHours(1), None);

        Assert.Equal(count, retried);
        Assert.Equal(count, _db.Count("SELECT COUNT(*) FROM deliveries WHERE webhook_id = 'w1' AND status = 0 AND held = 0 AND next_attempt_at = $0", T0.AddHours(1).ToUnixTimeMilliseconds()));
        Assert.Equal(DeliveryStatus.Succeeded, _data.StatusOf(succeeded[0]));
        Assert.Equal(DeliveryStatus.Failed, _data.StatusOf(other[0]));
    }

    [Fact]
    public async Task RetryFailedAsync_PausedWebhook_PendingButHeld()
    {
        var (_, ids) = await _data.PublishAtAsync(T0, ["w1"]);
        await _data.SetStatusAsync(ids[0], DeliveryStatus.Failed, T0);
        await _db.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Paused }, None);

        Assert.Equal(1, await _data.Recovery.RetryFailedAsync("w1", T0, None));

        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND held = 1"));
        Assert.Empty(await _db.Deliveries.ClaimDueAsync("n", T0, TimeSpan.FromMinutes(1), 10, None));
    }

    private Task IngestManyAsync(string webhookId, int count, DateTimeOffset at)
    {
        var events = Enumerable.Range(0, count).Select(i => NewEvent(RecoveryData.IdAt(at))).ToList();
        var deliveries = events.Select(e => NewDelivery(RecoveryData.IdAt(at), webhookId, e.Id, at)).ToList();
        return _db.Events.IngestAsync(new IngestBatch(events, deliveries, null, null, at), None);
    }
}
