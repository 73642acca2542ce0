using Herald.Core.Webhooks;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteEventStoreTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _db = new();

    public async Task InitializeAsync()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.InsertWebhookAsync("w2");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task IngestAsync_EventsWithDeliveries_StoresThemAll()
    {
        var batch = new IngestBatch(
            [NewEvent("e1", objectId: "o1", domainId: "dom"), NewEvent("e2", objectId: "o2", domainId: "dom")],
            [NewDelivery("d1", "w1", "e1", T0, "o1", "dom"), NewDelivery("d2", "w2", "e1", T0, "o1", "dom"), NewDelivery("d3", "w1", "e2", T0, "o2", "dom")],
            null, null, T0);

        var result = await _db.Events.IngestAsync(batch, CancellationToken.None);

        Assert.Equal(["e1", "e2"], result.EventIds);
        Assert.False(result.Replayed);
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(3, _db.Count("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND held = 0"));
        var d2 = await _db.Deliveries.GetAsync("d2", null, CancellationToken.None);
        Assert.NotNull(d2);
        Assert.Equal(("w2", "e1", "o1", "dom", 0, T0), (d2.WebhookId, d2.EventId, d2.ObjectId, d2.DomainId, d2.AttemptCount, d2.NextAttemptAt!.Value));
        Assert.Equal(T0, d2.CreatedAt);
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
    public async Task IngestAsync_OneDeliveryFails_NothingOfTheBatchIsStored()
    {
        await _db.PublishAsync("e0", T0, webhookIds: "w1");
        var batch = new IngestBatch(
            [NewEvent("e1"), NewEvent("e2")],
            [NewDelivery("d1", "w1", "e1", T0), NewDelivery("e0-w1", "w1", "e2", T0)],
            "scope", "key-1", T0);

        await Assert.ThrowsAsync<SqliteException>(() => _db.Events.IngestAsync(batch, CancellationToken.None));

        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Fact]
    public async Task IngestAsync_SameKeySameScope_ReturnsOriginalIdsAndCreatesNothing()
    {
        var first = await _db.Events.IngestAsync(
            new IngestBatch([NewEvent("e1"), NewEvent("e2")], [NewDelivery("d1", "w1", "e1", T0)], "dom-a", "key-1", T0),
            CancellationToken.None);

        var again = await _db.Events.IngestAsync(
            new IngestBatch([NewEvent("e3")], [NewDelivery("d3", "w1", "e3", T0)], "dom-a", "key-1", T0.AddMinutes(1)),
            CancellationToken.None);

        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(["e1", "e2"], again.EventIds);
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task IngestAsync_SameKeyOtherScope_DoesNotCollide()
    {
        await _db.Events.IngestAsync(new IngestBatch([NewEvent("e1")], [NewDelivery("d1", "w1", "e1", T0)], "dom-a", "key-1", T0), CancellationToken.None);

        var other = await _db.Events.IngestAsync(new IngestBatch([NewEvent("e2")], [NewDelivery("d2", "w1", "e2", T0)], "dom-b", "key-1", T0), CancellationToken.None);

        Assert.False(other.Replayed);
        Assert.Equal(["e2"], other.EventIds);
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task IngestAsync_OtherKeySameScope_DoesNotCollide()
    {
        await _db.Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], "dom-a", "key-1", T0), CancellationToken.None);

        var other = await _db.Events.IngestAsync(new IngestBatch([NewEvent("e2")], [], "dom-a", "key-2", T0), CancellationToken.None);

        Assert.False(other.Replayed);
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task IngestAsync_NoKey_NeverReplays()
    {
        await _db.Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], "dom-a", null, T0), CancellationToken.None);

        var second = await _db.Events.IngestAsync(new IngestBatch([NewEvent("e2")], [], "dom-a", null, T0), CancellationToken.None);

        Assert.False(second.Replayed);
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Fact]
    public async Task IngestAsync_SameKeyConcurrently_StoresOnceAndBothGetTheSameIds()
    {
        var tasks = Enumerable.Range(0, 10)
            .Select(i => _db.Events.IngestAsync(
                new IngestBatch([NewEvent($"e{i}")], [NewDelivery($"d{i}", "w1", $"e{i}", T0)], "dom-a", "same-key", T0),
                CancellationToken.None))
            .ToList();

        var results = await Task.WhenAll(tasks);

        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => string.Join(",", r.EventIds)).Distinct());
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task IngestAsync_TwoHundredConcurrentCalls_AllSucceedAndAreStored()
    {
        var tasks = Enumerable.Range(0, 200)
            .Select(i => Task.Run(() => _db.Events.IngestAsync(
                new IngestBatch([NewEvent($"e{i:D3}")], [NewDelivery($"d{i:D3}", i % 2 == 0 ? "w1" : "w2", $"e{i:D3}", T0)], null, null, T0),
                CancellationToken.None)))
            .ToList();

        var results = await Task.WhenAll(tasks);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"e{i:D3}"), results.Select(r => Assert.Single(r.EventIds)));
        Assert.Equal(200, _db.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(200, _db.Count("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(100, _db.Count("SELECT COUNT(*) FROM deliveries WHERE webhook_id = 'w2'"));
    }

    [Theory]
    [InlineData(WebhookStatus.Paused, 1)]
    [InlineData(WebhookStatus.Failing, 0)]
    public async Task IngestAsync_WebhookStatus_DecidesWhetherNewDeliveriesAreHeld(WebhookStatus status, long held)
    {
        await _db.InsertWebhookAsync("w3", status);

        await _db.PublishAsync("e1", T0, webhookIds: "w3");

        Assert.Equal(held, _db.Count("SELECT held FROM deliveries WHERE id = 'e1-w3'"));
    }

    [Fact]
    public async Task IngestAsync_WebhookDisabledSinceMatched_NoDeliveryButTheEventIsStored()
    {
        // The matcher's snapshot may still show it ENABLED; the store has the last word.
        await _db.InsertWebhookAsync("w3", WebhookStatus.Disabled);

        await _db.PublishAsync("e1", T0, webhookIds: ["w1", "w3"]);

        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM events WHERE id = 'e1'"));
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM deliveries WHERE id = 'e1-w3'"));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries WHERE id = 'e1-w1'"));
    }

    [Fact]
    public async Task IngestAsync_UnknownWebhook_DeliveryIsHeld()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "gone");

        Assert.Equal(1, _db.Count("SELECT held FROM deliveries WHERE id = 'e1-gone'"));
    }
}
