using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>The admin UI's read-only queries (<see cref="IDeliveryStatsStore"/>) over real attempts written by claim and complete.</summary>
public abstract class DeliveryStatsContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    private static readonly DateTimeOffset Now = T0.AddHours(30);
    private int _events;

    private IDeliveryStatsStore Stats => Stores.Stats;

    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1", domainId: "dom-a");
        await InsertWebhookAsync("w2", domainId: "dom-b");
        await InsertWebhookAsync("w3", WebhookStatus.Paused, domainId: "dom-a");
    }

    [Fact]
    public async Task ReadAttemptsAsync_FromCursor_OnlyNewerAttemptsWithTheirWebhookAndDomain()
    {
        await DeliverAsync("w1", "dom-a", Now.AddMinutes(-30), 200, 12.5);
        await DeliverAsync("w2", "dom-b", Now.AddMinutes(-20), 503, 40);

        var all = await Stats.ReadAttemptsAsync(0, 100, CancellationToken.None);

        Assert.Equal(2, all.Count);
        Assert.Equal(("w1", "dom-a", Now.AddMinutes(-30), (int?)200, 12.5, true), (all[0].WebhookId, all[0].DomainId, all[0].StartedAt, all[0].StatusCode, all[0].DurationMs, all[0].Succeeded));
        Assert.Equal(("w2", "dom-b", (int?)503, false), (all[1].WebhookId, all[1].DomainId, all[1].StatusCode, all[1].Succeeded));
        Assert.True(all[1].Cursor > all[0].Cursor);

        // Reading on from the last cursor returns only what was recorded since.
        Assert.Empty(await Stats.ReadAttemptsAsync(all[1].Cursor, 100, CancellationToken.None));
        await DeliverAsync("w1", "dom-a", Now.AddMinutes(-10), 200, 3);
        var next = Assert.Single(await Stats.ReadAttemptsAsync(all[1].Cursor, 100, CancellationToken.None));
        Assert.Equal(Now.AddMinutes(-10), next.StartedAt);
        Assert.Single(await Stats.ReadAttemptsAsync(0, 1, CancellationToken.None));
    }

    [Fact]
    public async Task FindAttemptCursorAsync_Since_ReadingFromItStartsAtTheFirstAttemptSince()
    {
        Assert.Equal(0, await Stats.FindAttemptCursorAsync(Now, CancellationToken.None));
        for (var minute = 0; minute < 40; minute++)
        {
            await DeliverAsync("w1", "dom-a", Now.AddMinutes(-40 + minute), 200, 1);
        }

        foreach (var back in new[] { 40, 33, 17, 1 })
        {
            var cursor = await Stats.FindAttemptCursorAsync(Now.AddMinutes(-back), CancellationToken.None);
            var read = await Stats.ReadAttemptsAsync(cursor, 1000, CancellationToken.None);
            Assert.Equal(back, read.Count);
            Assert.Equal(Now.AddMinutes(-back), read[0].StartedAt);
        }

        var late = await Stats.FindAttemptCursorAsync(Now.AddMinutes(5), CancellationToken.None);
        Assert.All(await Stats.ReadAttemptsAsync(late, 1000, CancellationToken.None), a => Assert.True(a.StartedAt < Now));
    }

    [Fact]
    public async Task CountPendingAsync_ByDomain_IncludesHeldDeliveries()
    {
        await DeliverAsync("w1", "dom-a", Now.AddMinutes(-3), 200, 12);
        await PendingAsync("w2", "dom-b", Now);
        await PendingAsync("w3", "dom-a", Now);

        Assert.Equal(2, await Stats.CountPendingAsync(null, CancellationToken.None));
        Assert.Equal(1, await Stats.CountPendingAsync("dom-a", CancellationToken.None));
        Assert.Equal(1, await Stats.CountPendingAsync("dom-b", CancellationToken.None));
        Assert.Equal(0, await Stats.CountPendingAsync("dom-c", CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_TimeRange_OnlyDeliveriesCreatedInRangeNewestFirst()
    {
        var ids = new List<string>();
        for (var minute = 0; minute < 10; minute++)
        {
            ids.Add(await PendingAsync("w1", "dom-a", Now.AddMinutes(-10 + minute)));
        }

        var range = await Stats.ListAsync(Filter(limit: 100), Now.AddMinutes(-7), Now.AddMinutes(-4), CancellationToken.None);
        Assert.Equal(ids[3..6].AsEnumerable().Reverse(), range.Objects.Select(d => d.Id));

        // Until is exclusive. Paging through a range with cursors sees each delivery once; the until bound holds on every page.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Stats.ListAsync(Filter(limit: 3, cursor: cursor), Now.AddMinutes(-8), Now.AddMinutes(-2), CancellationToken.None);
            seen.AddRange(page.Objects.Select(d => d.Id));
            cursor = page.Next;
        }
        while (cursor is not null);
        Assert.Equal(ids[2..8].AsEnumerable().Reverse(), seen);

        Assert.Empty((await Stats.ListAsync(Filter(domain: "dom-b"), null, null, CancellationToken.None)).Objects);
        Assert.Equal(10, (await Stats.ListAsync(Filter(limit: 100, status: DeliveryStatus.Pending), null, null, CancellationToken.None)).Objects.Count);
    }

    [Fact]
    public async Task CountWebhooksAsync_ByStatusAndDomain()
    {
        var all = await Stats.CountWebhooksAsync(null, CancellationToken.None);
        var a = await Stats.CountWebhooksAsync("dom-a", CancellationToken.None);

        Assert.Equal((2, 1, 0, 0), (all[WebhookStatus.Enabled], all[WebhookStatus.Paused], all[WebhookStatus.Failing], all[WebhookStatus.Disabled]));
        Assert.Equal((1, 1), (a[WebhookStatus.Enabled], a[WebhookStatus.Paused]));
    }

    [Fact]
    public async Task GetEventAsync_OtherDomain_NotFound()
    {
        await Events.IngestAsync(new IngestBatch([NewEvent("ev-a", domainId: "dom-a")], [], null, null, T0), CancellationToken.None);

        var found = await Stats.GetEventAsync("ev-a", "dom-a", CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal(("assets", "metadata", "update"), (found.EventType, found.Realm, found.Operation));
        Assert.Contains("\"id\":\"ev-a\"", System.Text.Encoding.UTF8.GetString(found.Body.Span), StringComparison.Ordinal);
        Assert.NotNull(await Stats.GetEventAsync("ev-a", null, CancellationToken.None));
        Assert.Null(await Stats.GetEventAsync("ev-a", "dom-b", CancellationToken.None));
    }

    private static DeliveryFilter Filter(int limit = 50, string? cursor = null, string? domain = null, DeliveryStatus? status = null) =>
        new(domain, null, status, null, new PageRequest(limit, cursor));

    /// <summary>A delivery created at <paramref name="created"/> (default: when attempted), claimed and completed with one attempt.</summary>
    private async Task DeliverAsync(string webhookId, string domain, DateTimeOffset started, int statusCode, double durationMs, DateTimeOffset? created = null)
    {
        var id = await PendingAsync(webhookId, domain, created ?? started);
        var claimed = await Deliveries.ClaimDueAsync("stats", started, TimeSpan.FromMinutes(5), 100, CancellationToken.None);
        var mine = Assert.Single(claimed, c => c.Id == id);
        var succeeded = statusCode is >= 200 and < 300;
        await Deliveries.CompleteAsync(
            [new AttemptRecord(id, webhookId, 1, started, statusCode, durationMs, succeeded ? null : $"HTTP {statusCode}", "ok", succeeded, null, mine.LeaseUntil)],
            started,
            TimeSpan.FromHours(5),
            CancellationToken.None);
    }

    /// <summary>A pending delivery with a time-ordered id minted at <paramref name="created"/>, as ingest mints them.</summary>
    private async Task<string> PendingAsync(string webhookId, string domain, DateTimeOffset created)
    {
        var eventId = Guid.CreateVersion7(created).ToString();
        var id = Guid.CreateVersion7(created).ToString();
        _events++;
        await Events.IngestAsync(
            new IngestBatch([NewEvent(eventId, $"o{_events}", domain) with { ReceivedAt = created }], [NewDelivery(id, webhookId, eventId, created, $"o{_events}", domain)], null, null, created),
            CancellationToken.None);
        return id;
    }
}
