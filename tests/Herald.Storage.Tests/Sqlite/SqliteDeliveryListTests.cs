using Herald.Core.Deliveries;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteDeliveryListTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _db = new();

    public async Task InitializeAsync()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.InsertWebhookAsync("w2");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task ListAsync_EachFilter_ReturnsOnlyMatchingDeliveriesNewestIdFirst()
    {
        await SeedMixAsync();

        Assert.Equal(["e3-w1", "e2-w1", "e1-w1"], await Ids(webhookId: "w1"));
        Assert.Equal(["e1-w2"], await Ids(webhookId: "w2"));
        Assert.Equal(["e1-w1"], await Ids(status: DeliveryStatus.Succeeded));
        Assert.Equal(["e2-w1"], await Ids(status: DeliveryStatus.Failed));
        Assert.Equal(["e3-w1", "e1-w2"], await Ids(status: DeliveryStatus.Pending));
        Assert.Empty(await Ids(status: DeliveryStatus.Cancelled));
        Assert.Equal(["e3-w1", "e1-w2", "e1-w1"], await Ids(objectId: "o1"));
        Assert.Equal(["e2-w1", "e1-w2", "e1-w1"], await Ids(domainId: "dom-a"));
        Assert.Equal(["e3-w1"], await Ids(domainId: "dom-b"));
        Assert.Empty(await Ids(domainId: "dom-c"));
        Assert.Equal(["e3-w1", "e2-w1", "e1-w2", "e1-w1"], await Ids());
    }

    [Fact]
    public async Task ListAsync_CombinedFilters_AllMustHold()
    {
        await SeedMixAsync();

        Assert.Equal(["e1-w1"], await Ids(webhookId: "w1", objectId: "o1", domainId: "dom-a"));
        Assert.Equal(["e3-w1"], await Ids(webhookId: "w1", status: DeliveryStatus.Pending));
        Assert.Empty(await Ids(webhookId: "w2", status: DeliveryStatus.Failed));
    }

    [Theory]
    [InlineData(23, 5, 5)]
    [InlineData(20, 5, 4)]
    [InlineData(3, 10, 1)]
    [InlineData(7, 1, 7)]
    public async Task ListAsync_PagingWithCursors_EveryDeliveryOnceInOrder(int count, int limit, int expectedPages)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid().ToString();
            ids.Add(id);
            await _db.Events.IngestAsync(
                new IngestBatch([NewEvent($"e{i}")], [NewDelivery(id, i % 2 == 0 ? "w1" : "w2", $"e{i}", T0)], null, null, T0),
                CancellationToken.None);
        }

        var pages = await AllPages(new DeliveryFilter(null, null, null, null, new PageRequest(limit, null)));

        Assert.Equal(expectedPages, pages.Count);
        Assert.All(pages, p => Assert.InRange(p.Count, 1, limit));
        Assert.Equal(ids.OrderDescending(StringComparer.Ordinal), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task ListAsync_PagingWithFilter_PagesOnlyTheFilteredSet()
    {
        for (var i = 0; i < 15; i++)
        {
            await _db.PublishAsync($"e{i:D2}", T0, webhookIds: i % 3 == 0 ? ["w1", "w2"] : ["w2"]);
        }

        var pages = await AllPages(new DeliveryFilter(null, "w1", null, null, new PageRequest(2, null)));

        Assert.Equal(3, pages.Count);
        Assert.Equal(["e12-w1", "e09-w1", "e06-w1", "e03-w1", "e00-w1"], pages.SelectMany(p => p));
    }

    [Fact]
    public async Task ListAsync_Empty_NoObjectsAndNoCursor()
    {
        var page = await _db.Deliveries.ListAsync(new DeliveryFilter(null, null, null, null, new PageRequest(50, null)), CancellationToken.None);

        Assert.Empty(page.Objects);
        Assert.Null(page.Next);
    }

    private async Task SeedMixAsync()
    {
        await _db.PublishAsync("e1", T0, objectId: "o1", domainId: "dom-a", webhookIds: ["w1", "w2"]);
        await _db.PublishAsync("e2", T0, objectId: "o2", domainId: "dom-a", webhookIds: "w1");
        await _db.PublishAsync("e3", T0, objectId: "o1", domainId: "dom-b", webhookIds: "w1");
        var claimed = await _db.Deliveries.ClaimDueAsync("node", T0, TimeSpan.FromMinutes(1), 100, CancellationToken.None);
        await _db.Deliveries.CompleteAsync(
            [
                new AttemptRecord("e1-w1", "w1", 1, T0, 200, 10, null, null, true, null),
                new AttemptRecord("e2-w1", "w1", 1, T0, 500, 10, "HTTP 500", null, false, null),
            ],
            T0,
            TimeSpan.FromHours(5),
            CancellationToken.None);
        await _db.Deliveries.ReleaseAsync("node", claimed.Where(c => c.Id is "e1-w2" or "e3-w1").ToList(), T0, CancellationToken.None);
    }

    private async Task<List<string>> Ids(string? domainId = null, string? webhookId = null, DeliveryStatus? status = null, string? objectId = null)
    {
        var page = await _db.Deliveries.ListAsync(
            new DeliveryFilter(domainId, webhookId, status, objectId, new PageRequest(100, null)), CancellationToken.None);
        Assert.Null(page.Next);
        return page.Objects.Select(d => d.Id).ToList();
    }

    private async Task<List<List<string>>> AllPages(DeliveryFilter filter)
    {
        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var page = await _db.Deliveries.ListAsync(filter with { Page = filter.Page with { Cursor = cursor } }, CancellationToken.None);
            pages.Add(page.Objects.Select(d => d.Id).ToList());
            cursor = page.Next;
            Assert.True(pages.Count <= 100, "paging does not end");
        }
        while (cursor is not null);

        return pages;
    }
}
