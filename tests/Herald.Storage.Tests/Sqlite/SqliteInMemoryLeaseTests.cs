using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage.Sqlite;
using Herald.Storage.Tests.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// SQLite keeps leases in memory (one process owns the database): a claim writes nothing, an ingest
/// can hand fresh deliveries straight to a dispatcher, and a restart sends whatever was in flight.
/// </summary>
public sealed class SqliteInMemoryLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2.5);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly SqliteTestDatabase _db = new();

    public async Task InitializeAsync()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.InsertWebhookAsync("w2");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task ClaimDueAsync_Claimed_NothingWrittenToTheRow()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");

        Assert.Single(await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 10, None));

        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM deliveries WHERE lease_owner IS NOT NULL OR lease_until <> 0"));
        Assert.Equal(T0, UnixTime.FromMs(_db.Count("SELECT next_attempt_at FROM deliveries WHERE id = 'e1-w1'")));
        Assert.True(_db.Leases.IsLeased("e1-w1"));
    }

    [Fact]
    public async Task ClaimDueAsync_OneWebhookFarAheadOfNineteen_TakesExactlyTheEarliestHundred()
    {
        // The claim reads each webhook a share first (16 of h00's 60), then comes back for h00's
        // remainder: all 60 of h00's, then the others' earliest 40.
        var others = await DeliveryClaimContract<SqliteStoreProvider>.PublishFarAheadOfNineteenAsync(
            id => _db.InsertWebhookAsync(id), (id, due, webhook) => _db.PublishAsync(id, due, webhookIds: webhook));

        var claimed = await _db.Deliveries.ClaimDueAsync(new ClaimRequest("node-a", T0, Lease, 100, new Dictionary<string, int>(), 100), None);

        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"a{i:D2}-h00").Concat(others.Take(40)), claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task IngestAsync_HandedOff_LeasedAndNeverClaimedAgain()
    {
        var handed = await HandOffAsync("e1", room: 10, "w1", "w2");

        Assert.Equal(["e1-w1", "e1-w2"], handed.Leased.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Equal(T0 + Lease, handed.LeaseUntil);
        Assert.Empty(await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 10, None));
        Assert.Empty(await _db.Deliveries.ClaimDueAsync("node-a", T0 + Lease - TimeSpan.FromMilliseconds(1), Lease, 10, None));
        Assert.Equal(T0 + Lease, await _db.NextDueAfterAsync(T0));
        Assert.Null((await _db.Deliveries.GetAsync("e1-w1", null, None))!.NextAttemptAt);
    }

    [Fact]
    public async Task IngestAsync_HandedOff_IsDurableAndPending()
    {
        await HandOffAsync("e1", room: 10, "w1");

        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM deliveries WHERE id = 'e1-w1' AND status = 0"));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM events WHERE id = 'e1'"));
    }

    [Fact]
    public async Task CompleteAsync_HandedOffDelivery_Applies()
    {
        var handed = await HandOffAsync("e1", room: 10, "w1");

        var result = await _db.Deliveries.CompleteAsync([new AttemptRecord("e1-w1", "w1", 1, T0, 200, 3, null, null, true, null, handed.LeaseUntil)], T0, TimeSpan.FromHours(5), None);

        Assert.Empty(result.Ignored);
        var view = await _db.Deliveries.GetAsync("e1-w1", null, None);
        Assert.Equal((DeliveryStatus.Succeeded, 1), (view!.Status, view.Attempts!.Count));
        Assert.False(_db.Leases.IsLeased("e1-w1"));
    }

    [Fact]
    public async Task CompleteAsync_HandedOffDeliveryWithAnotherLease_Ignored()
    {
        var handed = await HandOffAsync("e1", room: 10, "w1");

        var result = await _db.Deliveries.CompleteAsync([new AttemptRecord("e1-w1", "w1", 1, T0, 200, 3, null, null, true, null, handed.LeaseUntil.AddSeconds(1))], T0, TimeSpan.FromHours(5), None);

        Assert.Equal(["e1-w1"], result.Ignored);
        Assert.Equal(DeliveryStatus.Pending, (await _db.Deliveries.GetAsync("e1-w1", null, None))!.Status);
    }

    [Fact]
    public async Task IngestAsync_LaneRoomSmallerThanTheBatch_RestLeftToClaimsInOrder()
    {
        var events = Enumerable.Range(0, 5).Select(i => NewEvent($"e{i}")).ToList();
        var deliveries = events.Select(e => NewDelivery($"{e.Id}-w1", "w1", e.Id, T0)).ToList();
        var asked = new List<(string WebhookId, int Wanted)>();

        var handed = await _db.HandOff.IngestAsync(
            new IngestBatch(events, deliveries, null, null, T0),
            new HandOffRequest("node-a", Lease, (webhookId, wanted) =>
            {
                asked.Add((webhookId, wanted));
                return 2;
            }),
            None);

        Assert.Equal([("w1", 5)], asked);
        Assert.Equal(["e0-w1", "e1-w1"], handed.Leased.Select(d => d.Id));
        Assert.Equal(["e2-w1", "e3-w1", "e4-w1"], (await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 10, None)).Select(c => c.Id));
    }

    [Fact]
    public async Task IngestAsync_OrderedWebhook_NeverHandedOffAndClaimedInOrder()
    {
        var events = Enumerable.Range(0, 3).Select(i => NewEvent($"e{i}", objectId: "o1")).ToList();
        var deliveries = events.Select(e => NewDelivery($"{e.Id}-w1", "w1", e.Id, T0, "o1") with { Ordered = true }).ToList();

        var handed = await _db.HandOff.IngestAsync(new IngestBatch(events, deliveries, null, null, T0), new HandOffRequest("node-a", Lease, (_, wanted) => wanted), None);

        Assert.Empty(handed.Leased);
        var first = Assert.Single(await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 10, None));
        Assert.Equal("e0-w1", first.Id);
        await _db.Deliveries.CompleteAsync([new AttemptRecord(first.Id, "w1", 1, T0, 200, 3, null, null, true, null, first.LeaseUntil)], T0, TimeSpan.FromHours(5), None);
        Assert.Equal("e1-w1", Assert.Single(await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 10, None)).Id);
    }

    [Fact]
    public async Task IngestAsync_PausedWebhook_NotHandedOff()
    {
        await _db.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Paused }, None);

        var handed = await HandOffAsync("e1", room: 10, "w1", "w2");

        Assert.Equal(["e1-w2"], handed.Leased.Select(d => d.Id));
        Assert.Empty(await _db.Deliveries.ClaimDueAsync("node-a", T0.AddMinutes(1), Lease, 10, None));
    }

    [Fact]
    public async Task IngestAsync_NoRoom_ClaimedAsBefore()
    {
        var handed = await HandOffAsync("e1", room: 0, "w1");

        Assert.Empty(handed.Leased);
        Assert.Equal("e1-w1", Assert.Single(await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 10, None)).Id);
    }

    [Fact]
    public async Task Restart_HandedOffButUnfinished_SentAtOnce()
    {
        await HandOffAsync("e1", room: 10, "w1");
        await using var restarted = new ServiceCollection().AddHeraldSqlite(_db.Options).BuildServiceProvider();
        var deliveries = restarted.GetRequiredService<IDeliveryStore>();
        var restart = T0.AddSeconds(5);

        Assert.Equal(0, await deliveries.RecoverLeasesAsync(restart, None));

        var claimed = Assert.Single(await deliveries.ClaimDueAsync("new-node", restart, Lease, 10, None));
        Assert.Equal(("e1-w1", 0), (claimed.Id, claimed.AttemptCount));
    }

    [Fact]
    public async Task RecoverLeasesAsync_HandedOffInThisProcess_GivenBackDueNow()
    {
        await HandOffAsync("e1", room: 10, "w1");

        Assert.Equal(1, await _db.Deliveries.RecoverLeasesAsync(T0.AddSeconds(1), None));

        Assert.Equal(T0.AddSeconds(1), (await _db.Deliveries.GetAsync("e1-w1", null, None))!.NextAttemptAt);
        Assert.Single(await _db.Deliveries.ClaimDueAsync("node-b", T0.AddSeconds(1), Lease, 10, None));
    }

    [Fact]
    public async Task CancelAsync_HandedOffInFlight_AttemptStillRecorded()
    {
        var handed = await HandOffAsync("e1", room: 10, "w1");
        Assert.Equal(CancelOutcome.Cancelled, await _db.Recovery.CancelAsync("e1-w1", null, T0, None));

        var result = await _db.Deliveries.CompleteAsync([new AttemptRecord("e1-w1", "w1", 1, T0, 200, 3, null, null, true, null, handed.LeaseUntil)], T0, TimeSpan.FromHours(5), None);

        Assert.Equal(["e1-w1"], result.Ignored);
        var view = await _db.Deliveries.GetAsync("e1-w1", null, None);
        Assert.Equal((DeliveryStatus.Cancelled, 1), (view!.Status, view.Attempts!.Count));
    }

    [Fact]
    public async Task ClaimDueAsync_PausedWebhookWithABacklog_NeverVisited()
    {
        await _db.InsertWebhookAsync("paused");
        const int Backlog = 20_000;
        var events = Enumerable.Range(0, Backlog).Select(i => NewEvent($"b{i:D5}")).ToList();
        await _db.Events.IngestAsync(new IngestBatch(events, events.Select(e => NewDelivery($"{e.Id}-p", "paused", e.Id, T0)).ToList(), null, null, T0), None);
        await _db.Webhooks.UpdateAsync("paused", w => w with { Status = WebhookStatus.Paused }, None);
        await _db.PublishAsync("e1", T0, webhookIds: "w1");

        var before = _db.Leases.Visits;
        var claimed = await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 100, None);
        var again = await _db.Deliveries.ClaimDueAsync("node-a", T0.AddSeconds(1), Lease, 100, None);

        Assert.Equal(["e1-w1"], claimed.Select(c => c.Id));
        Assert.Empty(again);
        Assert.Equal(1, _db.Leases.Visits - before);

        await _db.Webhooks.UpdateAsync("paused", w => w with { Status = WebhookStatus.Enabled }, None);

        Assert.Equal(100, (await _db.Deliveries.ClaimDueAsync("node-a", T0.AddSeconds(2), Lease, 100, None)).Count);
    }

    [Fact]
    public async Task ClaimDueAsync_ManyWebhooksWhoseWorkIsDone_NoneVisited()
    {
        for (var i = 0; i < 50; i++)
        {
            await _db.InsertWebhookAsync($"h{i:D2}");
            await _db.PublishAsync($"e{i:D2}", T0, webhookIds: $"h{i:D2}");
        }

        var claimed = await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 100, None);
        Assert.Equal(50, claimed.Count);
        await _db.Deliveries.CompleteAsync(
            claimed.Select(c => new AttemptRecord(c.Id, c.WebhookId, 1, T0, 200, 3, null, null, true, null, c.LeaseUntil)).ToList(), T0, TimeSpan.FromHours(5), None);

        var before = _db.Leases.Visits;
        Assert.Empty(await _db.Deliveries.ClaimDueAsync("node-a", T0.AddSeconds(1), Lease, 100, None));
        await _db.PublishAsync("late", T0, webhookIds: "h07");
        Assert.Equal(["late-h07"], (await _db.Deliveries.ClaimDueAsync("node-a", T0.AddSeconds(2), Lease, 100, None)).Select(c => c.Id));

        Assert.Equal(1, _db.Leases.Visits - before);
    }

    [Fact]
    public async Task ClaimDueAsync_RetryScheduled_WebhookVisitedOnlyOnceItIsDue()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = Assert.Single(await _db.Deliveries.ClaimDueAsync("node-a", T0, Lease, 10, None));
        await _db.Deliveries.CompleteAsync([new AttemptRecord(claimed.Id, "w1", 1, T0, 503, 3, "HTTP 503", null, false, T0.AddMinutes(1), claimed.LeaseUntil)], T0, TimeSpan.FromHours(5), None);

        var before = _db.Leases.Visits;
        var early = await _db.Deliveries.ClaimDueAsync("node-a", T0.AddSeconds(30), Lease, 10, None);
        Assert.Empty(early);
        Assert.Equal(T0.AddMinutes(1), early.NextDueAfter);
        Assert.Equal(0, _db.Leases.Visits - before);

        Assert.Equal("e1-w1", Assert.Single(await _db.Deliveries.ClaimDueAsync("node-a", T0.AddMinutes(1), Lease, 10, None)).Id);
    }

    private Task<HandOffResult> HandOffAsync(string eventId, int room, params string[] webhookIds)
    {
        var stored = NewEvent(eventId);
        var deliveries = webhookIds.Select(w => NewDelivery($"{eventId}-{w}", w, eventId, T0)).ToList();
        return _db.HandOff.IngestAsync(new IngestBatch([stored], deliveries, null, null, T0), new HandOffRequest("node-a", Lease, (_, wanted) => Math.Min(room, wanted)), None);
    }
}
