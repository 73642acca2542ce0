using Herald.Core.Deliveries;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Listing deliveries: filters, domain scoping and cursor paging of <see cref="IDeliveryStore.ListAsync"/>.</summary>
public abstract class DeliveryListContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
    }

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

    [Fact]
    public async Task ListAsync_CancelledFilter_ShowsCancelledOnly()
    {
        await SeedMixAsync();
        await Recovery.CancelAsync("e3-w1", null, T0, None);

        Assert.Equal(["e3-w1"], await Ids(status: DeliveryStatus.Cancelled));
        Assert.Equal(["e1-w2"], await Ids(status: DeliveryStatus.Pending));
    }

    [Fact]
    public async Task ListAsync_UnknownWebhookOrObject_Empty()
    {
        await SeedMixAsync();

        Assert.Empty(await Ids(webhookId: "nope"));
        Assert.Empty(await Ids(objectId: "nope"));
    }

    [Fact]
    public async Task ListAsync_GlobalDeliveries_OnlyInTheUnscopedList()
    {
        await PublishAsync("g1", T0, webhookIds: "w1");
        await PublishAsync("d1", T0, domainId: "dom-a", webhookIds: "w1");

        Assert.Equal(["g1-w1", "d1-w1"], await Ids());
        Assert.Equal(["d1-w1"], await Ids(domainId: "dom-a"));
    }

    [Fact]
    public async Task ListAsync_Views_CarryTheirFields()
    {
        await SeedMixAsync();

        var page = await Deliveries.ListAsync(new DeliveryFilter(null, "w1", DeliveryStatus.Failed, null, new PageRequest(10, null)), None);

        var view = Assert.Single(page.Objects);
        Assert.Equal(("e2-w1", "w1", "e2", "o2", "dom-a", 1, (int?)500, "HTTP 500"), (view.Id, view.WebhookId, view.EventId, view.ObjectId, view.DomainId, view.AttemptCount, view.LastStatusCode, view.LastError));
        Assert.Null(view.NextAttemptAt);
    }

    [Theory]
    [InlineData(23, 5, 5)]
    [InlineData(20, 5, 4)]
    [InlineData(3, 10, 1)]
    [InlineData(7, 1, 7)]
    [InlineData(10, 10, 1)]
    [InlineData(11, 10, 2)]
    public async Task ListAsync_PagingWithCursors_EveryDeliveryOnceInOrder(int count, int limit, int expectedPages)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid().ToString();
            ids.Add(id);
            await Events.IngestAsync(
                new IngestBatch([NewEvent($"e{i}")], [NewDelivery(id, i % 2 == 0 ? "w1" : "w2", $"e{i}", T0)], null, null, T0),
                None);
        }

        var pages = await AllPages(new DeliveryFilter(null, null, null, null, new PageRequest(limit, null)));

        Assert.Equal(expectedPages, pages.Count);
        Assert.All(pages, p => Assert.InRange(p.Count, 1, limit));
        Assert.Equal(ids.OrderDescending(StringComparer.Ordinal), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task ListAsync_ExactlyOnePageFull_NoNextCursor()
    {
        for (var i = 0; i < 4; i++)
        {
            await PublishAsync($"e{i}", T0, webhookIds: "w1");
        }

        var page = await Deliveries.ListAsync(new DeliveryFilter(null, null, null, null, new PageRequest(4, null)), None);

        Assert.Equal(4, page.Objects.Count);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task ListAsync_NewDeliveryWhilePaging_EarlierPagesNotRepeated()
    {
        for (var i = 0; i < 6; i++)
        {
            await PublishAsync($"e{i}", T0, webhookIds: "w1");
        }

        var first = await Deliveries.ListAsync(new DeliveryFilter(null, null, null, null, new PageRequest(3, null)), None);
        await PublishAsync("e9", T0, webhookIds: "w1");
        var second = await Deliveries.ListAsync(new DeliveryFilter(null, null, null, null, new PageRequest(3, first.Next)), None);

        Assert.Equal(["e5-w1", "e4-w1", "e3-w1"], first.Objects.Select(d => d.Id));
        Assert.Equal(["e2-w1", "e1-w1", "e0-w1"], second.Objects.Select(d => d.Id));
    }

    [Fact]
    public async Task ListAsync_PagingWithFilter_PagesOnlyTheFilteredSet()
    {
        for (var i = 0; i < 15; i++)
        {
            await PublishAsync($"e{i:D2}", T0, webhookIds: i % 3 == 0 ? ["w1", "w2"] : ["w2"]);
        }

        var pages = await AllPages(new DeliveryFilter(null, "w1", null, null, new PageRequest(2, null)));

        Assert.Equal(3, pages.Count);
        Assert.Equal(["e12-w1", "e09-w1", "e06-w1", "e03-w1", "e00-w1"], pages.SelectMany(p => p));
    }

    [Fact]
    public async Task ListAsync_PagingWithinADomain_NeverShowsAnotherDomain()
    {
        for (var i = 0; i < 9; i++)
        {
            await PublishAsync($"e{i}", T0, domainId: i % 2 == 0 ? "dom-a" : "dom-b", webhookIds: "w1");
        }

        var pages = await AllPages(new DeliveryFilter("dom-a", null, null, null, new PageRequest(2, null)));

        Assert.Equal(["e8-w1", "e6-w1", "e4-w1", "e2-w1", "e0-w1"], pages.SelectMany(p => p));
    }

    [Fact]
    public async Task ListAsync_Empty_NoObjectsAndNoCursor()
    {
        var page = await Deliveries.ListAsync(new DeliveryFilter(null, null, null, null, new PageRequest(50, null)), None);

        Assert.Empty(page.Objects);
        Assert.Null(page.Next);
    }

    private async Task SeedMixAsync()
    {
        await PublishAsync("e1", T0, objectId: "o1", domainId: "dom-a", webhookIds: ["w1", "w2"]);
        await PublishAsync("e2", T0, objectId: "o2", domainId: "dom-a", webhookIds: "w1");
        await PublishAsync("e3", T0, objectId: "o1", domainId: "dom-b", webhookIds: "w1");
        var claimed = await Claim(T0, owner: "node");
        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0), Failed("e2-w1", 1, T0, 500, next: null));
        await Deliveries.ReleaseAsync("node", claimed.Where(c => c.Id is "e1-w2" or "e3-w1").ToList(), T0, None);
    }

    private async Task<List<string>> Ids(string? domainId = null, string? webhookId = null, DeliveryStatus? status = null, string? objectId = null)
    {
        var page = await Deliveries.ListAsync(new DeliveryFilter(domainId, webhookId, status, objectId, new PageRequest(100, null)), None);
        Assert.Null(page.Next);
        return page.Objects.Select(d => d.Id).ToList();
    }

    private async Task<List<List<string>>> AllPages(DeliveryFilter filter)
    {
        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var page = await Deliveries.ListAsync(filter with { Page = filter.Page with { Cursor = cursor } }, None);
            pages.Add(page.Objects.Select(d => d.Id).ToList());
            cursor = page.Next;
            Assert.True(pages.Count <= 100, "paging does not end");
        }
        while (cursor is not null);

        return pages;
    }
}
