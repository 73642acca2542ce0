using System.Data.Common;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>The webhook registry: <see cref="IWebhookStore"/>.</summary>
public abstract class WebhookStoreContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    [Fact]
    public async Task GetAsync_EveryFieldSet_RoundTripsExactly()
    {
        var webhook = FullWebhook("w-full");

        await Webhooks.InsertAsync(webhook, None);
        var read = await Webhooks.GetAsync("w-full", None);

        AssertSame(webhook, read);
    }

    [Fact]
    public async Task LoadAllAsync_EveryFieldSet_RoundTripsExactly()
    {
        var webhook = FullWebhook("w-full");

        await Webhooks.InsertAsync(webhook, None);

        AssertSame(webhook, Assert.Single(await Webhooks.LoadAllAsync(None)));
    }

    [Fact]
    public async Task GetAsync_AfterReopen_SecretsStillReadable()
    {
        var webhook = FullWebhook("w-full");
        await Webhooks.InsertAsync(webhook, None);

        await using var reopened = await Stores.OpenAgainAsync();

        AssertSame(webhook, await reopened.Webhooks.GetAsync("w-full", None));
    }

    [Fact]
    public async Task GetAsync_MinimalWebhook_OptionalFieldsComeBackEmpty()
    {
        var webhook = new Webhook { Id = "w-min", Url = "https://example.com", EventType = "collections", DateCreated = T0, DateModified = T0 };

        await Webhooks.InsertAsync(webhook, None);
        var read = await Webhooks.GetAsync("w-min", None);

        AssertSame(webhook, read);
        Assert.Empty(read!.Headers);
        Assert.Null(read.RetrySchedule);
        Assert.Empty(read.Secrets);
        Assert.Equal(WebhookLimits.DefaultTimeoutSeconds, read.TimeoutSeconds);
    }

    [Fact]
    public async Task GetAsync_Unknown_Null()
    {
        Assert.Null(await Webhooks.GetAsync("nope", None));
    }

    [Fact]
    public async Task InsertAsync_DuplicateId_ThrowsAndKeepsTheFirst()
    {
        await InsertWebhookAsync("w1", domainId: "dom-a");

        await Assert.ThrowsAnyAsync<DbException>(() => InsertWebhookAsync("w1", domainId: "dom-b"));

        Assert.Equal("dom-a", (await GetWebhookAsync("w1")).DomainId);
    }

    [Fact]
    public async Task InsertAsync_DomainLimitConcurrent_StoresExactlyTheLimit()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16)
            .Select(i => Task.Run(() => Webhooks.InsertAsync(NewWebhook($"w{i}", domainId: "dom-a"), maxPerDomain: 5, None))));

        Assert.Equal(5, results.Count(r => r));
        Assert.Equal(5, await Webhooks.CountAsync("dom-a", None));
        // Other domains and domain-less webhooks are not limited by dom-a's count.
        Assert.True(await Webhooks.InsertAsync(NewWebhook("other", domainId: "dom-b"), maxPerDomain: 5, None));
        Assert.True(await Webhooks.InsertAsync(NewWebhook("global"), maxPerDomain: 5, None));
    }

    [Fact]
    public async Task LoadAllAsync_Empty_Nothing()
    {
        Assert.Empty(await Webhooks.LoadAllAsync(None));
    }

    [Fact]
    public async Task LoadAllAsync_SeveralWebhooks_ReturnsEveryOne()
    {
        await InsertWebhookAsync("w2", WebhookStatus.Disabled);
        await InsertWebhookAsync("w1", domainId: "dom-a");
        await InsertWebhookAsync("w3", WebhookStatus.Paused);

        var all = await Webhooks.LoadAllAsync(None);

        Assert.Equal(["w1", "w2", "w3"], all.Select(w => w.Id));
        Assert.Equal([WebhookStatus.Enabled, WebhookStatus.Disabled, WebhookStatus.Paused], all.Select(w => w.Status));
    }

    [Theory]
    [InlineData(WebhookStatus.Enabled)]
    [InlineData(WebhookStatus.Failing)]
    [InlineData(WebhookStatus.Paused)]
    [InlineData(WebhookStatus.Disabled)]
    public async Task InsertAsync_EachStatus_ReadBack(WebhookStatus status)
    {
        await InsertWebhookAsync("w1", status);

        Assert.Equal(status, (await GetWebhookAsync("w1")).Status);
    }

    [Fact]
    public async Task ListAsync_DomainAndPaging_PagesThroughThatDomainOnly()
    {
        for (var i = 0; i < 7; i++)
        {
            await InsertWebhookAsync($"a{i}", domainId: "dom-a");
            await InsertWebhookAsync($"b{i}", domainId: "dom-b");
        }

        var (seen, pages) = await AllPagesAsync("dom-a", 3);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"a{i}"), seen);
        Assert.Equal(14, (await Webhooks.ListAsync(null, new PageRequest(100, null), None)).Objects.Count);
    }

    [Fact]
    public async Task ListAsync_EveryDomain_PagesInIdOrderWithGlobalOnesToo()
    {
        await InsertWebhookAsync("c", domainId: "dom-b");
        await InsertWebhookAsync("a", domainId: "dom-a");
        await InsertWebhookAsync("b");
        await InsertWebhookAsync("d");

        var (seen, pages) = await AllPagesAsync(null, 2);

        Assert.Equal(["a", "b", "c", "d"], seen);
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task ListAtAsync_DomainOffsetAndLimit_ThatDomainsWebhooksInIdOrder()
    {
        for (var i = 0; i < 7; i++)
        {
            await InsertWebhookAsync($"a{i}", domainId: "dom-a");
            await InsertWebhookAsync($"b{i}", domainId: "dom-b");
        }

        Assert.Equal(["a0", "a1", "a2"], (await Webhooks.ListAtAsync("dom-a", 0, 3, None)).Select(w => w.Id));
        Assert.Equal(["a3", "a4", "a5"], (await Webhooks.ListAtAsync("dom-a", 3, 3, None)).Select(w => w.Id));
        Assert.Equal(["a6"], (await Webhooks.ListAtAsync("dom-a", 6, 3, None)).Select(w => w.Id));
        Assert.Empty(await Webhooks.ListAtAsync("dom-a", 7, 3, None));
        Assert.Empty(await Webhooks.ListAtAsync("dom-z", 0, 3, None));
    }

    [Fact]
    public async Task ListAtAsync_EveryDomain_IncludesGlobalOnesInIdOrderWithWholeRows()
    {
        await InsertWebhookAsync("c", domainId: "dom-b");
        await InsertWebhookAsync("a", domainId: "dom-a");
        await InsertWebhookAsync("b");
        await InsertWebhookAsync("d", WebhookStatus.Paused);

        var page = await Webhooks.ListAtAsync(null, 1, 3, None);

        Assert.Equal(["b", "c", "d"], page.Select(w => w.Id));
        Assert.Equal([null, "dom-b", null], page.Select(w => w.DomainId));
        Assert.Equal(WebhookStatus.Paused, page[2].Status);
        var stored = await GetWebhookAsync("c");
        Assert.Equal((stored.Url, stored.EventType, stored.Version, stored.Secrets.Single().Secret), (page[1].Url, page[1].EventType, page[1].Version, page[1].Secrets.Single().Secret));
    }

    [Fact]
    public async Task CountAsync_DomainsAndEverything_FollowInsertsAndDeletes()
    {
        await InsertWebhookAsync("a1", domainId: "dom-a");
        await InsertWebhookAsync("a2", domainId: "dom-a");
        await InsertWebhookAsync("b1", domainId: "dom-b");
        await InsertWebhookAsync("g");

        Assert.Equal((2, 1, 0, 4), (await Webhooks.CountAsync("dom-a", None), await Webhooks.CountAsync("dom-b", None), await Webhooks.CountAsync("dom-z", None), await Webhooks.CountAsync(null, None)));

        Assert.True(await Webhooks.DeleteAsync("a1", DateTimeOffset.UnixEpoch, None));

        Assert.Equal((1, 3), (await Webhooks.CountAsync("dom-a", None), await Webhooks.CountAsync(null, None)));
    }

    [Fact]
    public async Task ListAsync_ExactlyOnePageFull_NoNextCursor()
    {
        await InsertWebhookAsync("a");
        await InsertWebhookAsync("b");

        var page = await Webhooks.ListAsync(null, new PageRequest(2, null), None);

        Assert.Equal(["a", "b"], page.Objects.Select(w => w.Id));
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task ListAsync_UnknownDomain_Empty()
    {
        await InsertWebhookAsync("a", domainId: "dom-a");

        var page = await Webhooks.ListAsync("dom-z", new PageRequest(10, null), None);

        Assert.Empty(page.Objects);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task ListAsync_GlobalWebhook_NotInADomainsList()
    {
        await InsertWebhookAsync("g");
        await InsertWebhookAsync("a", domainId: "dom-a");

        Assert.Equal(["a"], (await Webhooks.ListAsync("dom-a", new PageRequest(10, null), None)).Objects.Select(w => w.Id));
    }

    [Fact]
    public async Task CountAsync_ByDomain_CountsThatDomainOrAll()
    {
        await InsertWebhookAsync("a1", domainId: "dom-a");
        await InsertWebhookAsync("a2", domainId: "dom-a");
        await InsertWebhookAsync("g1");

        Assert.Equal(2, await Webhooks.CountAsync("dom-a", None));
        Assert.Equal(0, await Webhooks.CountAsync("dom-z", None));
        Assert.Equal(3, await Webhooks.CountAsync(null, None));
    }

    [Fact]
    public async Task CountAsync_AfterDelete_Decreases()
    {
        await InsertWebhookAsync("a1", domainId: "dom-a");
        await InsertWebhookAsync("a2", domainId: "dom-a");

        await Webhooks.DeleteAsync("a1", T0, None);

        Assert.Equal(1, await Webhooks.CountAsync("dom-a", None));
    }

    [Fact]
    public async Task UpdateAsync_Change_IsStoredAndReturned()
    {
        await InsertWebhookAsync("w1");

        var updated = await Webhooks.UpdateAsync(
            "w1",
            w => w with { Name = "renamed", Realm = "proxies", Headers = new Dictionary<string, string> { ["X-A"] = "1" }, DateModified = T0.AddDays(1) },
            None);

        Assert.Equal("renamed", updated!.Name);
        var read = await GetWebhookAsync("w1");
        Assert.Equal(("renamed", "proxies", "1", T0.AddDays(1)), (read.Name, read.Realm, read.Headers["X-A"], read.DateModified));
        Assert.Equal(T0, read.DateCreated);
    }

    [Fact]
    public async Task UpdateAsync_SecretsRotated_NewSecretsReadBack()
    {
        await InsertWebhookAsync("w1");
        WebhookSecretEntry[] secrets = [new("whsec_rotated", null), new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", T0.AddHours(24))];

        await Webhooks.UpdateAsync("w1", w => w with { Secrets = secrets }, None);

        Assert.Equal(secrets, (await GetWebhookAsync("w1")).Secrets);
    }

    [Fact]
    public async Task UpdateAsync_ChangeSeesTheStoredWebhook()
    {
        await Webhooks.InsertAsync(NewWebhook("w1") with { Name = "stored" }, None);
        string? seen = null;

        await Webhooks.UpdateAsync("w1", w => { seen = w.Name; return w; }, None);

        Assert.Equal("stored", seen);
    }

    [Fact]
    public async Task UpdateAsync_ChangeReturnsNull_AbortsWithoutWriting()
    {
        await InsertWebhookAsync("w1");

        var result = await Webhooks.UpdateAsync("w1", _ => null, None);

        Assert.Null(result);
        Assert.Null((await GetWebhookAsync("w1")).Name);
    }

    [Fact]
    public async Task UpdateAsync_ChangeThrows_NothingWrittenAndStoreKeepsWorking()
    {
        await InsertWebhookAsync("w1");

        await Assert.ThrowsAsync<InvalidOperationException>(() => Webhooks.UpdateAsync("w1", _ => throw new InvalidOperationException("invalid"), None));

        Assert.Null((await GetWebhookAsync("w1")).Name);
        Assert.Equal("n", (await Webhooks.UpdateAsync("w1", w => w with { Name = "n" }, None))!.Name);
    }

    [Fact]
    public async Task UpdateAsync_Unknown_NullWithoutCallingChange()
    {
        var called = false;

        var result = await Webhooks.UpdateAsync("nope", w => { called = true; return w; }, None);

        Assert.Null(result);
        Assert.False(called);
    }

    [Fact]
    public async Task UpdateAsync_ChangeAltersId_IdIsKept()
    {
        await InsertWebhookAsync("w1");

        await Webhooks.UpdateAsync("w1", w => w with { Id = "other", Name = "n" }, None);

        Assert.Equal("n", (await GetWebhookAsync("w1")).Name);
        Assert.Null(await Webhooks.GetAsync("other", None));
    }

    [Fact]
    public async Task UpdateAsync_ManyConcurrentEdits_NoneLost()
    {
        await Webhooks.InsertAsync(NewWebhook("w1") with { Headers = new Dictionary<string, string>() }, None);

        // Each edit reads, changes and writes with the version it read, again on a conflict.
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => Webhooks.EditAsync(
            "w1",
            w => w with { Headers = new Dictionary<string, string>(w.Headers) { [$"X-{i:D2}"] = "1" } },
            None,
            tries: 1000))));

        Assert.All(results, r => Assert.Equal(WebhookUpdateOutcome.Updated, r.Outcome));
        Assert.Equal(21, (await GetWebhookAsync("w1")).Version);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"X-{i:D2}"), (await GetWebhookAsync("w1")).Headers.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeleteAsync_WithDeliveries_CancelsPendingOnlyAndRemovesWebhook()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
        await PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        await PublishAsync("e2", T0.AddHours(1), webhookIds: "w1");
        await Claim(T0, owner: "node");
        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        var deleted = await Webhooks.DeleteAsync("w1", T0.AddMinutes(1), None);

        Assert.True(deleted);
        Assert.Null(await Webhooks.GetAsync("w1", None));
        Assert.Equal(DeliveryStatus.Succeeded, await StatusOf("e1-w1"));
        var cancelled = await GetAsync("e2-w1");
        Assert.Equal((DeliveryStatus.Cancelled, (DateTimeOffset?)null, T0.AddMinutes(1)), (cancelled.Status, cancelled.NextAttemptAt, cancelled.UpdatedAt));
        Assert.Equal(DeliveryStatus.Pending, await StatusOf("e1-w2"));
        Assert.Equal(["e1-w2"], (await Deliveries.ClaimDueAsync("node", T0.AddDays(1), Lease, 100, None)).Select(c => c.Id));
    }

    [Fact]
    public async Task DeleteAsync_LeasedDelivery_CancelledAndNotClaimedAgain()
    {
        await InsertWebhookAsync("w1");
        await PublishAsync("e1", T0, webhookIds: "w1");
        await Claim(T0);

        await Webhooks.DeleteAsync("w1", T0, None);

        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf("e1-w1"));
        Assert.Empty(await Claim(T0 + Lease + Lease));
    }

    [Fact]
    public async Task DeleteAsync_Unknown_False()
    {
        Assert.False(await Webhooks.DeleteAsync("nope", T0, None));
    }

    [Fact]
    public async Task DeleteAsync_Twice_SecondReturnsFalse()
    {
        await InsertWebhookAsync("w1");

        Assert.True(await Webhooks.DeleteAsync("w1", T0, None));
        Assert.False(await Webhooks.DeleteAsync("w1", T0, None));
    }

    [Fact]
    public async Task InsertAsync_SameIdAfterDelete_Allowed()
    {
        await InsertWebhookAsync("w1", domainId: "dom-a");
        await Webhooks.DeleteAsync("w1", T0, None);

        await InsertWebhookAsync("w1", domainId: "dom-b");

        Assert.Equal("dom-b", (await GetWebhookAsync("w1")).DomainId);
    }

    private static Webhook FullWebhook(string id) => new()
    {
        Id = id,
        DomainId = "dom-a",
        Name = "Proxies ✓",
        Description = "Sends \"proxy\" updates",
        Url = "https://hooks.example.com/herald?x=1",
        EventType = "assets",
        Operation = "update",
        Realm = "proxies",
        ObjectId = "obj-42",
        Query = "data.status = \"CLOSED\"",
        Status = WebhookStatus.Failing,
        Headers = new Dictionary<string, string> { ["X-Team"] = "media", ["x-lower"] = "Value With Spaces" },
        RetrySchedule = [1, 60, 3600],
        TimeoutSeconds = 45,
        Secrets =
        [
            new WebhookSecretEntry("whsec_new", null),
            new WebhookSecretEntry("whsec_old", T0.AddHours(24)),
        ],
        DateCreated = T0,
        DateModified = T0.AddMinutes(3),
        FirstFailedAt = T0.AddMinutes(2),
        LastError = "HTTP 500",
    };

    private async Task<(List<string> Seen, int Pages)> AllPagesAsync(string? domainId, int limit)
    {
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Webhooks.ListAsync(domainId, new PageRequest(limit, cursor), None);
            Assert.InRange(page.Objects.Count, 1, limit);
            seen.AddRange(page.Objects.Select(w => w.Id));
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null && pages < 20);

        return (seen, pages);
    }

    private static void AssertSame(Webhook expected, Webhook? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            (expected.Id, expected.DomainId, expected.Name, expected.Description, expected.Url, expected.EventType, expected.Operation, expected.Realm, expected.ObjectId, expected.Query),
            (actual.Id, actual.DomainId, actual.Name, actual.Description, actual.Url, actual.EventType, actual.Operation, actual.Realm, actual.ObjectId, actual.Query));
        Assert.Equal(
            (expected.Status, expected.TimeoutSeconds, expected.DateCreated, expected.DateModified, expected.FirstFailedAt, expected.LastError),
            (actual.Status, actual.TimeoutSeconds, actual.DateCreated, actual.DateModified, actual.FirstFailedAt, actual.LastError));
        Assert.Equal(expected.Headers.OrderBy(h => h.Key, StringComparer.Ordinal), actual.Headers.OrderBy(h => h.Key, StringComparer.Ordinal));
        Assert.Equal(expected.RetrySchedule, actual.RetrySchedule);
        Assert.Equal(expected.Secrets, actual.Secrets);
    }
}
