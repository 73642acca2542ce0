using System.Data.Common;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Ingest and idempotency: <see cref="IEventStore.IngestAsync"/>.</summary>
public abstract class EventStoreContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    private static readonly DateTimeOffset Start = T0.AddMinutes(-1);
    private static readonly DateTimeOffset End = T0.AddMinutes(1);

    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
    }

    [Fact]
    public async Task IngestAsync_EventsWithDeliveries_StoresThemAll()
    {
        var (e1, e2) = (IdAt(T0), IdAt(T0.AddMilliseconds(1)));
        var batch = new IngestBatch(
            [NewEvent(e1, objectId: "o1", domainId: "dom"), NewEvent(e2, objectId: "o2", domainId: "dom")],
            [NewDelivery("d1", "w1", e1, T0, "o1", "dom"), NewDelivery("d2", "w2", e1, T0, "o1", "dom"), NewDelivery("d3", "w1", e2, T0, "o2", "dom")],
            null, null, T0);

        var result = await Events.IngestAsync(batch, None);

        Assert.Equal([e1, e2], result.EventIds);
        Assert.False(result.Replayed);
        Assert.Equal([e1, e2], (await EventsAsync(Start, End)).Select(e => e.Id));
        Assert.Equal(["d3", "d2", "d1"], await DeliveryIdsAsync(status: DeliveryStatus.Pending));
        var d2 = await GetAsync("d2");
        Assert.Equal(("w2", e1, "o1", "dom", 0, T0), (d2.WebhookId, d2.EventId, d2.ObjectId, d2.DomainId, d2.AttemptCount, d2.NextAttemptAt!.Value));
        Assert.Equal((T0, T0), (d2.CreatedAt, d2.UpdatedAt));
        Assert.Equal(3, (await Claim(T0)).Count);
    }

    [Fact]
    public async Task IngestAsync_WebhookDisabledSinceMatched_NoDeliveryButTheEventIsStored()
    {
        // The matcher's snapshot may still show it ENABLED; the store has the last word.
        await InsertWebhookAsync("w3", WebhookStatus.Disabled);
        var id = IdAt(T0);

        await Events.IngestAsync(new IngestBatch([NewEvent(id)], [NewDelivery("e1-w1", "w1", id, T0), NewDelivery("e1-w3", "w3", id, T0)], null, null, T0), None);

        Assert.Equal([id], (await EventsAsync(Start, End)).Select(e => e.Id));
        Assert.Equal(["e1-w1"], await DeliveryIdsAsync());
    }

    [Fact]
    public async Task IngestAsync_StoredEvent_KeepsRoutingFieldsAndExactBody()
    {
        var id = IdAt(T0);
        var stored = NewEvent(id, objectId: "o1", domainId: "dom");

        await Events.IngestAsync(new IngestBatch([stored], [], null, null, T0), None);

        var read = Assert.Single(await EventsAsync(Start, End));
        Assert.Equal((id, T0), (read.Id, read.ReceivedAt));
        Assert.Equal(
            (stored.Event.EventType, stored.Event.Operation, stored.Event.Realm, stored.Event.ObjectId, stored.Event.DomainId),
            (read.Event.EventType, read.Event.Operation, read.Event.Realm, read.Event.ObjectId, read.Event.DomainId));
        Assert.Equal(stored.Event.Body.ToArray(), read.Event.Body.ToArray());
    }

    [Fact]
    public async Task IngestAsync_EventWithoutRealmOrObject_NullsKept()
    {
        var id = IdAt(T0);

        await Events.IngestAsync(new IngestBatch([NewEvent(id, objectId: null, realm: null)], [], null, null, T0), None);

        var read = Assert.Single(await EventsAsync(Start, End));
        Assert.Equal(((string?)null, (string?)null, (string?)null), (read.Event.Realm, read.Event.ObjectId, read.Event.DomainId));
    }

    [Fact]
    public async Task IngestAsync_NonAsciiBody_BytesKeptExactly()
    {
        var id = IdAt(T0);
        var body = "{\"event_type\":\"assets\",\"data\":{\"name\":\"Zoë ✓ 😀\",\"x\":1.50}}"u8.ToArray();
        var stored = NewEvent(id) with { Event = NewEvent(id).Event with { Body = body } };

        await Events.IngestAsync(new IngestBatch([stored], [NewDelivery("d1", "w1", id, T0)], null, null, T0), None);

        Assert.Equal(body, Assert.Single(await EventsAsync(Start, End)).Event.Body.ToArray());
        Assert.Equal(body, Assert.Single(await Claim(T0)).Body.ToArray());
    }

    [Fact]
    public async Task IngestAsync_EmptyBatch_StoresNothing()
    {
        var result = await Events.IngestAsync(new IngestBatch([], [], null, null, T0), None);

        Assert.Empty(result.EventIds);
        Assert.Empty(await EventsAsync(Start, End));
    }

    [Fact]
    public async Task IngestAsync_OneDeliveryFails_NothingOfTheBatchIsStored()
    {
        var e0 = IdAt(T0);
        await Events.IngestAsync(new IngestBatch([NewEvent(e0)], [NewDelivery("e0-w1", "w1", e0, T0)], null, null, T0), None);
        var (e1, e2) = (IdAt(T0.AddMilliseconds(1)), IdAt(T0.AddMilliseconds(2)));
        var batch = new IngestBatch(
            [NewEvent(e1), NewEvent(e2)],
            [NewDelivery("d1", "w1", e1, T0), NewDelivery("e0-w1", "w1", e2, T0)],
            "scope", "key-1", T0);

        await Assert.ThrowsAnyAsync<DbException>(() => Events.IngestAsync(batch, None));

        Assert.Equal([e0], (await EventsAsync(Start, End)).Select(e => e.Id));
        Assert.Equal(["e0-w1"], await DeliveryIdsAsync());
        var retry = await Events.IngestAsync(new IngestBatch([NewEvent(IdAt(T0.AddMilliseconds(3)))], [], "scope", "key-1", T0), None);
        Assert.False(retry.Replayed);
    }

    [Fact]
    public async Task IngestAsync_DuplicateEventId_ThrowsAndKeepsTheFirst()
    {
        var id = IdAt(T0);
        await Events.IngestAsync(new IngestBatch([NewEvent(id, objectId: "first")], [], null, null, T0), None);

        await Assert.ThrowsAnyAsync<DbException>(() => Events.IngestAsync(new IngestBatch([NewEvent(id, objectId: "second")], [], null, null, T0), None));

        Assert.Equal("first", Assert.Single(await EventsAsync(Start, End)).Event.ObjectId);
    }

    [Fact]
    public async Task IngestAsync_SameKeySameScope_ReturnsOriginalIdsAndCreatesNothing()
    {
        var (e1, e2, e3) = (IdAt(T0), IdAt(T0.AddMilliseconds(1)), IdAt(T0.AddMilliseconds(2)));
        var first = await Events.IngestAsync(new IngestBatch([NewEvent(e1), NewEvent(e2)], [NewDelivery("d1", "w1", e1, T0)], "dom-a", "key-1", T0), None);

        var again = await Events.IngestAsync(new IngestBatch([NewEvent(e3)], [NewDelivery("d3", "w1", e3, T0)], "dom-a", "key-1", T0.AddMinutes(1)), None);

        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal([e1, e2], again.EventIds);
        Assert.Equal([e1, e2], (await EventsAsync(Start, End)).Select(e => e.Id));
        Assert.Equal(["d1"], await DeliveryIdsAsync());
    }

    [Fact]
    public async Task IngestAsync_SameKeyThreeTimes_EveryRepeatReplaysTheFirst()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], "dom-a", "key-1", T0), None);

        var second = await Events.IngestAsync(new IngestBatch([NewEvent("e2")], [], "dom-a", "key-1", T0), None);
        var third = await Events.IngestAsync(new IngestBatch([NewEvent("e3")], [], "dom-a", "key-1", T0), None);

        Assert.Equal((true, "e1"), (second.Replayed, Assert.Single(second.EventIds)));
        Assert.Equal((true, "e1"), (third.Replayed, Assert.Single(third.EventIds)));
    }

    [Fact]
    public async Task IngestAsync_SameKeyNoScopeTwice_Replays()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], null, "key-1", T0), None);

        var again = await Events.IngestAsync(new IngestBatch([NewEvent("e2")], [], null, "key-1", T0), None);

        Assert.Equal((true, "e1"), (again.Replayed, Assert.Single(again.EventIds)));
    }

    [Fact]
    public async Task IngestAsync_SameKeyOtherScope_DoesNotCollide()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent("e1")], [NewDelivery("d1", "w1", "e1", T0)], "dom-a", "key-1", T0), None);

        var other = await Events.IngestAsync(new IngestBatch([NewEvent("e2")], [NewDelivery("d2", "w1", "e2", T0)], "dom-b", "key-1", T0), None);

        Assert.False(other.Replayed);
        Assert.Equal(["e2"], other.EventIds);
        Assert.Equal(["d2", "d1"], await DeliveryIdsAsync());
    }

    [Fact]
    public async Task IngestAsync_SameKeyScopedAndUnscoped_DoNotCollide()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], "dom-a", "key-1", T0), None);

        var unscoped = await Events.IngestAsync(new IngestBatch([NewEvent("e2")], [], null, "key-1", T0), None);

        Assert.False(unscoped.Replayed);
    }

    [Fact]
    public async Task IngestAsync_KeysDifferOnlyInCase_DoNotCollide()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], "dom-a", "Key-1", T0), None);

        var other = await Events.IngestAsync(new IngestBatch([NewEvent("e2")], [], "dom-a", "key-1", T0), None);

        Assert.False(other.Replayed);
    }

    [Fact]
    public async Task IngestAsync_OtherKeySameScope_DoesNotCollide()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent(IdAt(T0))], [], "dom-a", "key-1", T0), None);

        var other = await Events.IngestAsync(new IngestBatch([NewEvent(IdAt(T0.AddMilliseconds(1)))], [], "dom-a", "key-2", T0), None);

        Assert.False(other.Replayed);
        Assert.Equal(2, (await EventsAsync(Start, End)).Count);
    }

    [Fact]
    public async Task IngestAsync_NoKey_NeverReplays()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent(IdAt(T0))], [], "dom-a", null, T0), None);

        var second = await Events.IngestAsync(new IngestBatch([NewEvent(IdAt(T0.AddMilliseconds(1)))], [], "dom-a", null, T0), None);

        Assert.False(second.Replayed);
        Assert.Equal(2, (await EventsAsync(Start, End)).Count);
    }

    [Fact]
    public async Task IngestAsync_NoKey_NothingForRetentionToDelete()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent("e1")], [], "dom-a", null, T0), None);

        Assert.Equal(0, await Retention.DeleteIdempotencyKeysAsync(T0.AddYears(1), 100, None));
    }

    [Fact]
    public async Task IngestAsync_SameKeyConcurrently_StoresOnceAndAllGetTheSameIds()
    {
        var tasks = Enumerable.Range(0, 10)
            .Select(i => Events.IngestAsync(
                new IngestBatch([NewEvent(IdAt(T0.AddMilliseconds(i)))], [NewDelivery($"d{i}", "w1", IdAt(T0.AddMilliseconds(i)), T0)], "dom-a", "same-key", T0),
                None))
            .ToList();

        var results = await Task.WhenAll(tasks);

        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => string.Join(",", r.EventIds)).Distinct());
        Assert.Equal(results[0].EventIds, (await EventsAsync(Start, End)).Select(e => e.Id));
        Assert.Single(await DeliveryIdsAsync());
    }

    [Fact]
    public async Task IngestAsync_TwoHundredConcurrentCalls_AllSucceedAndAreStored()
    {
        var tasks = Enumerable.Range(0, 200)
            .Select(i => Task.Run(() => Events.IngestAsync(
                new IngestBatch([NewEvent($"e{i:D3}")], [NewDelivery($"d{i:D3}", i % 2 == 0 ? "w1" : "w2", $"e{i:D3}", T0)], null, null, T0),
                None)))
            .ToList();

        var results = await Task.WhenAll(tasks);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"e{i:D3}"), results.Select(r => Assert.Single(r.EventIds)));
        Assert.Equal(200, (await DeliveryIdsAsync()).Count);
        Assert.Equal(100, (await DeliveryIdsAsync(webhookId: "w2")).Count);
        Assert.Equal(200, (await Claim(T0, max: 500)).Select(c => c.EventId).Distinct().Count());
    }

    [Theory]
    [InlineData(WebhookStatus.Paused)]
    [InlineData(WebhookStatus.Disabled)]
    public async Task IngestAsync_WebhookNotSending_NewDeliveryNotClaimed(WebhookStatus status)
    {
        await InsertWebhookAsync("w3", status);

        await PublishAsync("e1", T0, webhookIds: "w3");
        Assert.Null(await NextDueAfterAsync(DateTimeOffset.MinValue));

        await PublishAsync("e2", T0, webhookIds: ["w1", "w3"]);

        Assert.Equal(["e2-w1"], (await Claim(T0.AddDays(1))).Select(c => c.Id));
    }

    [Fact]
    public async Task IngestAsync_WebhookPaused_DeliveryPendingAndSentAfterResume()
    {
        await InsertWebhookAsync("w3", WebhookStatus.Paused);

        await PublishAsync("e1", T0, webhookIds: "w3");

        Assert.Equal(DeliveryStatus.Pending, await StatusOf("e1-w3"));
        Assert.Empty(await Claim(T0));
        await SetWebhookStatusAsync("w3", WebhookStatus.Enabled);
        Assert.Equal(["e1-w3"], (await Claim(T0)).Select(c => c.Id));
    }

    [Fact]
    public async Task IngestAsync_WebhookFailing_DeliveryClaimable()
    {
        await InsertWebhookAsync("w3", WebhookStatus.Failing);

        await PublishAsync("e1", T0, webhookIds: "w3");

        Assert.Equal(["e1-w3"], (await Claim(T0)).Select(c => c.Id));
    }

    [Fact]
    public async Task IngestAsync_UnknownWebhook_DeliveryIsHeld()
    {
        await PublishAsync("e1", T0, webhookIds: "gone");

        Assert.Equal(DeliveryStatus.Pending, await StatusOf("e1-gone"));
        Assert.Empty(await Claim(T0.AddDays(1)));
    }

    [Fact]
    public async Task IngestAsync_DeliveryDueLater_NotClaimedBefore()
    {
        await PublishAsync("e1", T0.AddMinutes(10), webhookIds: "w1");

        Assert.Equal(T0.AddMinutes(10), (await GetAsync("e1-w1")).NextAttemptAt);
        Assert.Empty(await Claim(T0));
        Assert.Equal(T0.AddMinutes(10), await NextDueAfterAsync(T0));
    }
}
