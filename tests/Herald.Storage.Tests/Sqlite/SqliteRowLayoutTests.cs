using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// What the SQLite provider writes into its own columns, which the contract suite cannot see: the
/// <c>held</c> flag the claim's index seek relies on, the routing columns replay filters on, and
/// idempotency rows only when there is a key.
/// </summary>
public sealed class SqliteRowLayoutTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _db = new();

    public Task InitializeAsync() => _db.InsertWebhookAsync("w1");

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Theory]
    [InlineData(WebhookStatus.Paused, 1)]
    [InlineData(WebhookStatus.Failing, 0)]
    [InlineData(WebhookStatus.Enabled, 0)]
    public async Task IngestAsync_WebhookStatus_SetsTheHeldColumn(WebhookStatus status, long held)
    {
        await _db.InsertWebhookAsync("w3", status);

        await _db.PublishAsync("e1", T0, webhookIds: "w3");

        Assert.Equal(held, _db.Count("SELECT held FROM deliveries WHERE id = 'e1-w3'"));
    }

    [Fact]
    public async Task IngestAsync_UnknownWebhook_HeldColumnSet()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "gone");

        Assert.Equal(1, _db.Count("SELECT held FROM deliveries WHERE id = 'e1-gone'"));
    }

    [Fact]
    public async Task UpdateAsync_PauseAndResume_FlipsHeldOnPendingOnly()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        await _db.PublishAsync("e2", T0, webhookIds: "w1");
        var claimed = await _db.Deliveries.ClaimDueAsync("n", T0, TimeSpan.FromMinutes(1), 1, CancellationToken.None);
        await _db.Deliveries.CompleteAsync([new AttemptRecord("e1-w1", "w1", 1, T0, 200, 1, null, null, true, null, claimed[0].LeaseUntil)], T0, TimeSpan.FromHours(5), CancellationToken.None);

        await _db.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Paused }, CancellationToken.None);
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries WHERE held = 1"));
        Assert.Equal(1, _db.Count("SELECT held FROM deliveries WHERE id = 'e2-w1'"));

        await _db.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Enabled }, CancellationToken.None);
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM deliveries WHERE held = 1"));
    }

    [Fact]
    public async Task IngestAsync_StoredEvent_KeepsRoutingColumnsAndExactBody()
    {
        var stored = NewEvent("e1", objectId: "o1", domainId: "dom");

        await _db.Events.IngestAsync(new IngestBatch([stored], [], null, null, T0), CancellationToken.None);

        Assert.Equal(1, _db.Count(
            "SELECT COUNT(*) FROM events WHERE id = 'e1' AND domain_id = 'dom' AND event_type = 'assets' AND realm = 'metadata' AND operation = 'update' AND object_id = 'o1' AND body = $0 AND received_at = $1",
            stored.Event.Body.ToArray(), T0.ToUnixTimeMilliseconds()));
    }

    [Fact]
    public async Task IngestAsync_NoKey_NoIdempotencyRow()
    {
        await _db.Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], "dom-a", null, T0), CancellationToken.None);

        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Fact]
    public async Task IngestAsync_NullScope_StoredAsEmptyScope()
    {
        await _db.Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], null, "k", T0), CancellationToken.None);

        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM idempotency_keys WHERE scope = '' AND key = 'k'"));
    }
}
