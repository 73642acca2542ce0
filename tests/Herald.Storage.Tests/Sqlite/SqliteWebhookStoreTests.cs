using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteWebhookStoreTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _db = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task GetAsync_EveryFieldSet_RoundTripsExactly()
    {
        var webhook = new Webhook
        {
            Id = "w-full",
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

        await _db.Webhooks.InsertAsync(webhook, CancellationToken.None);
        var read = await _db.Webhooks.GetAsync("w-full", CancellationToken.None);

        AssertSame(webhook, read);
    }

    [Fact]
    public async Task GetAsync_MinimalWebhook_OptionalFieldsComeBackEmpty()
    {
        var webhook = new Webhook { Id = "w-min", Url = "https://example.com", EventType = "collections", DateCreated = T0, DateModified = T0 };

        await _db.Webhooks.InsertAsync(webhook, CancellationToken.None);
        var read = await _db.Webhooks.GetAsync("w-min", CancellationToken.None);

        AssertSame(webhook, read);
        Assert.Empty(read!.Headers);
        Assert.Null(read.RetrySchedule);
        Assert.Empty(read.Secrets);
        Assert.Equal(WebhookLimits.DefaultTimeoutSeconds, read.TimeoutSeconds);
    }

    [Fact]
    public async Task GetAsync_Unknown_Null()
    {
        Assert.Null(await _db.Webhooks.GetAsync("nope", CancellationToken.None));
    }

    [Fact]
    public async Task InsertAsync_DomainLimitConcurrent_StoresExactlyTheLimit()
    {
        var inserts = Enumerable.Range(0, 16)
            .Select(i => Task.Run(() => _db.Webhooks.InsertAsync(NewWebhook($"w{i}", domainId: "dom-a"), maxPerDomain: 5, CancellationToken.None)))
            .ToList();
        var results = await Task.WhenAll(inserts);

        Assert.Equal(5, results.Count(r => r));
        Assert.Equal(5, _db.Count("SELECT COUNT(*) FROM webhooks WHERE domain_id = 'dom-a'"));
        // Other domains and domain-less webhooks are not limited by dom-a's count.
        Assert.True(await _db.Webhooks.InsertAsync(NewWebhook("other", domainId: "dom-b"), maxPerDomain: 5, CancellationToken.None));
        Assert.True(await _db.Webhooks.InsertAsync(NewWebhook("global"), maxPerDomain: 5, CancellationToken.None));
    }

    [Fact]
    public async Task InsertAsync_DuplicateId_Throws()
    {
        await _db.InsertWebhookAsync("w1");

        await Assert.ThrowsAsync<SqliteException>(() => _db.InsertWebhookAsync("w1"));
    }

    [Fact]
    public async Task LoadAllAsync_SeveralWebhooks_ReturnsEveryOne()
    {
        await _db.InsertWebhookAsync("w2", WebhookStatus.Disabled);
        await _db.InsertWebhookAsync("w1", domainId: "dom-a");
        await _db.InsertWebhookAsync("w3", WebhookStatus.Paused);

        var all = await _db.Webhooks.LoadAllAsync(CancellationToken.None);

        Assert.Equal(["w1", "w2", "w3"], all.Select(w => w.Id));
        Assert.Equal([WebhookStatus.Enabled, WebhookStatus.Disabled, WebhookStatus.Paused], all.Select(w => w.Status));
    }

    [Fact]
    public async Task ListAsync_DomainAndPaging_PagesThroughThatDomainOnly()
    {
        for (var i = 0; i < 7; i++)
        {
            await _db.InsertWebhookAsync($"a{i}", domainId: "dom-a");
            await _db.InsertWebhookAsync($"b{i}", domainId: "dom-b");
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await _db.Webhooks.ListAsync("dom-a", new PageRequest(3, cursor), CancellationToken.None);
            seen.AddRange(page.Objects.Select(w => w.Id));
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null && pages < 20);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"a{i}"), seen);
        Assert.Equal(14, (await _db.Webhooks.ListAsync(null, new PageRequest(100, null), CancellationToken.None)).Objects.Count);
    }

    [Fact]
    public async Task CountAsync_ByDomain_CountsThatDomainOrAll()
    {
        await _db.InsertWebhookAsync("a1", domainId: "dom-a");
        await _db.InsertWebhookAsync("a2", domainId: "dom-a");
        await _db.InsertWebhookAsync("g1");

        Assert.Equal(2, await _db.Webhooks.CountAsync("dom-a", CancellationToken.None));
        Assert.Equal(0, await _db.Webhooks.CountAsync("dom-z", CancellationToken.None));
        Assert.Equal(3, await _db.Webhooks.CountAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task UpdateAsync_Change_IsStoredAndReturned()
    {
        await _db.InsertWebhookAsync("w1");

        var updated = await _db.Webhooks.UpdateAsync(
            "w1",
            w => w with { Name = "renamed", Realm = "proxies", Headers = new Dictionary<string, string> { ["X-A"] = "1" }, DateModified = T0.AddDays(1) },
            CancellationToken.None);

        Assert.Equal("renamed", updated!.Name);
        var read = await _db.Webhooks.GetAsync("w1", CancellationToken.None);
        Assert.Equal(("renamed", "proxies", "1", T0.AddDays(1)), (read!.Name, read.Realm, read.Headers["X-A"], read.DateModified));
        Assert.Equal(T0, read.DateCreated);
    }

    [Fact]
    public async Task UpdateAsync_ChangeReturnsNull_AbortsWithoutWriting()
    {
        await _db.InsertWebhookAsync("w1");

        var result = await _db.Webhooks.UpdateAsync("w1", _ => null, CancellationToken.None);

        Assert.Null(result);
        Assert.Null((await _db.Webhooks.GetAsync("w1", CancellationToken.None))!.Name);
    }

    [Fact]
    public async Task UpdateAsync_Unknown_NullWithoutCallingChange()
    {
        var called = false;

        var result = await _db.Webhooks.UpdateAsync("nope", w => { called = true; return w; }, CancellationToken.None);

        Assert.Null(result);
        Assert.False(called);
    }

    [Fact]
    public async Task UpdateAsync_ChangeAltersId_IdIsKept()
    {
        await _db.InsertWebhookAsync("w1");

        await _db.Webhooks.UpdateAsync("w1", w => w with { Id = "other", Name = "n" }, CancellationToken.None);

        Assert.Equal("n", (await _db.Webhooks.GetAsync("w1", CancellationToken.None))!.Name);
        Assert.Null(await _db.Webhooks.GetAsync("other", CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_WithDeliveries_CancelsPendingOnlyAndRemovesWebhook()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.InsertWebhookAsync("w2");
        await _db.PublishAsync("e1", T0, webhookIds: ["w1", "w2"]);
        await _db.PublishAsync("e2", T0.AddHours(1), webhookIds: "w1");
        await _db.Deliveries.ClaimDueAsync("node", T0, TimeSpan.FromMinutes(1), 100, CancellationToken.None);
        await _db.Deliveries.CompleteAsync(
            [new AttemptRecord("e1-w1", "w1", 1, T0, 200, 5, null, null, true, null)], T0, TimeSpan.FromHours(5), CancellationToken.None);

        var deleted = await _db.Webhooks.DeleteAsync("w1", T0.AddMinutes(1), CancellationToken.None);

        Assert.True(deleted);
        Assert.Null(await _db.Webhooks.GetAsync("w1", CancellationToken.None));
        Assert.Equal(DeliveryStatus.Succeeded, (await _db.Deliveries.GetAsync("e1-w1", null, CancellationToken.None))!.Status);
        var cancelled = await _db.Deliveries.GetAsync("e2-w1", null, CancellationToken.None);
        Assert.Equal((DeliveryStatus.Cancelled, (DateTimeOffset?)null, T0.AddMinutes(1)), (cancelled!.Status, cancelled.NextAttemptAt, cancelled.UpdatedAt));
        Assert.Equal(DeliveryStatus.Pending, (await _db.Deliveries.GetAsync("e1-w2", null, CancellationToken.None))!.Status);
        Assert.Equal(["e1-w2"], (await _db.Deliveries.ClaimDueAsync("node", T0.AddDays(1), TimeSpan.FromMinutes(1), 100, CancellationToken.None)).Select(c => c.Id));
    }

    [Fact]
    public async Task DeleteAsync_Unknown_False()
    {
        Assert.False(await _db.Webhooks.DeleteAsync("nope", T0, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_Twice_SecondReturnsFalse()
    {
        await _db.InsertWebhookAsync("w1");

        Assert.True(await _db.Webhooks.DeleteAsync("w1", T0, CancellationToken.None));
        Assert.False(await _db.Webhooks.DeleteAsync("w1", T0, CancellationToken.None));
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
