using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage.Sqlite;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>The admin UI's read-only queries over real attempts written by claim and complete.</summary>
public sealed class SqliteDeliveryStatsStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = T0.AddHours(30);
    private readonly SqliteTestDatabase _db = new();
    private int _events;

    private IDeliveryStatsStore Stats => new SqliteDeliveryStatsStore(_db.Database);

    public async Task InitializeAsync()
    {
        await _db.InsertWebhookAsync("w1", domainId: "dom-a");
        await _db.InsertWebhookAsync("w2", domainId: "dom-b");
        await _db.InsertWebhookAsync("w3", WebhookStatus.Paused, domainId: "dom-a");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task ReadAsync_AttemptsOfLastDay_RatesP95AndMinutesPerWebhook()
    {
        // w1: 19 successes of 10..190 ms and one 500 after 1 s, 30 minutes ago.
        for (var i = 1; i <= 20; i++)
        {
            var started = Now.AddMinutes(-30);
            await DeliverAsync("w1", "dom-a", started, i == 20 ? 500 : 200, i == 20 ? 1000 : i * 10);
        }

        // w2: one success 5 minutes ago; one delivery created 25 hours ago, attempted within the day, left out.
        await DeliverAsync("w2", "dom-b", Now.AddMinutes(-5), 204, 40);
        await DeliverAsync("w2", "dom-b", Now.AddMinutes(-30), 200, 40, created: Now.AddHours(-25));
        await PendingAsync("w3", "dom-a", Now.AddMinutes(-1));

        var stats = await Stats.ReadAsync(null, Now.AddHours(-24), Now, CancellationToken.None);

        var w1 = stats.ByWebhook["w1"];
        Assert.Equal((20, 19, 1), (w1.Attempts, w1.Succeeded, w1.Failed));
        Assert.Equal(0.95, w1.SuccessRate!.Value, 3);
        Assert.InRange(w1.P95Ms!.Value, 190, 190 * 1.05);
        var w2 = stats.ByWebhook["w2"];
        Assert.Equal((1, 1), (w2.Attempts, w2.Succeeded));
        Assert.False(stats.ByWebhook.ContainsKey("w3"));
        Assert.Equal(1, stats.Pending);

        Assert.Equal(60, stats.LastHour.Count);
        Assert.Equal(Now.AddMinutes(-59).ToUnixTimeMilliseconds() / 60_000 * 60_000, stats.LastHour[0].Minute.ToUnixTimeMilliseconds());
        var thirtyAgo = stats.LastHour.Single(m => m.Succeeded + m.Failed == 20);
        Assert.Equal((19, 1), (thirtyAgo.Succeeded, thirtyAgo.Failed));
        Assert.Equal(Now.AddMinutes(-30).ToUnixTimeMilliseconds() / 60_000, thirtyAgo.Minute.ToUnixTimeMilliseconds() / 60_000);
        Assert.Equal(21, stats.LastHour.Sum(m => m.Succeeded + m.Failed));
    }

    [Fact]
    public async Task ReadAsync_Domain_SeesOnlyItsOwnWebhooks()
    {
        await DeliverAsync("w1", "dom-a", Now.AddMinutes(-3), 200, 12);
        await DeliverAsync("w2", "dom-b", Now.AddMinutes(-3), 503, 12);
        await PendingAsync("w2", "dom-b", Now);

        var a = await Stats.ReadAsync("dom-a", Now.AddHours(-24), Now, CancellationToken.None);
        var b = await Stats.ReadAsync("dom-b", Now.AddHours(-24), Now, CancellationToken.None);

        Assert.Equal(["w1"], a.ByWebhook.Keys);
        Assert.Equal(["w2"], b.ByWebhook.Keys);
        Assert.Equal((0, 1), (a.Pending, b.Pending));
        Assert.Equal((1, 0), (a.LastHour.Sum(m => m.Succeeded), a.LastHour.Sum(m => m.Failed)));
        Assert.Equal((0, 1), (b.LastHour.Sum(m => m.Succeeded), b.LastHour.Sum(m => m.Failed)));
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
        await _db.Events.IngestAsync(new IngestBatch([NewEvent("ev-a", domainId: "dom-a")], [], null, null, T0), CancellationToken.None);

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
        var claimed = await _db.Deliveries.ClaimDueAsync("stats", started, TimeSpan.FromMinutes(5), 100, CancellationToken.None);
        Assert.Contains(claimed, c => c.Id == id);
        var succeeded = statusCode is >= 200 and < 300;
        await _db.Deliveries.CompleteAsync(
            [new AttemptRecord(id, webhookId, 1, started, statusCode, durationMs, succeeded ? null : $"HTTP {statusCode}", "ok", succeeded, null)],
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
        await _db.Events.IngestAsync(
            new IngestBatch([NewEvent(eventId, $"o{_events}", domain) with { ReceivedAt = created }], [NewDelivery(id, webhookId, eventId, created, $"o{_events}", domain)], null, null, created),
            CancellationToken.None);
        return id;
    }
}
