using Herald.Core.Webhooks;
using Herald.Delivery.Webhooks;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Delivery.Tests.Webhooks;

/// <summary>The registry over a real SQLite store, following its change notices one webhook at a time.</summary>
public sealed class WebhookRegistryTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "herald-registry-" + Guid.NewGuid().ToString("N"));
    private ServiceProvider _services = null!;

    private IWebhookStore Store => _services.GetRequiredService<IWebhookStore>();

    private IStoreChanges Changes => _services.GetRequiredService<IStoreChanges>();

    public async Task InitializeAsync()
    {
        _services = new ServiceCollection().AddHeraldSqlite(new SqliteOptions { Path = Path.Combine(_folder, "herald.db") }).BuildServiceProvider();
        await _services.GetRequiredService<IStoreMigrator>().MigrateAsync(None);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Notice_WebhookCreated_AddedAndTheOthersKeepTheirIdentity()
    {
        var registry = await LoadedRegistryAsync("a", "b");
        var (a, b) = (registry.Current.Find("a"), registry.Current.Find("b"));

        await Store.InsertAsync(Hook("c"), None);

        Assert.NotNull(registry.Current.Find("c"));
        Assert.Same(a, registry.Current.Find("a"));
        Assert.Same(b, registry.Current.Find("b"));
        Assert.Equal(3, registry.Current.Count);
    }

    [Fact]
    public async Task Notice_WebhookEdited_ReplacedWithItsNewVersionOthersUntouched()
    {
        var registry = await LoadedRegistryAsync("a", "b");
        var a = registry.Current.Find("a");

        await Store.UpdateAsync("b", w => w with { Url = "https://example.com/moved", Query = "data.x=1" }, None);

        var b = registry.Current.Find("b")!;
        Assert.Equal(("https://example.com/moved", 2L), (b.Webhook.Url, b.Webhook.Version));
        Assert.NotNull(b.Filter);
        Assert.Same(a, registry.Current.Find("a"));
    }

    [Fact]
    public async Task Notice_WebhookDeleted_RemovedOthersUntouched()
    {
        var registry = await LoadedRegistryAsync("a", "b");
        var b = registry.Current.Find("b");

        Assert.True(await Store.DeleteAsync("a", DateTimeOffset.UnixEpoch, None));

        Assert.Null(registry.Current.Find("a"));
        Assert.Same(b, registry.Current.Find("b"));
        Assert.Equal(1, registry.Current.Count);
    }

    [Fact]
    public async Task Notice_StatusChangedToDisabled_NoLongerMatchedButStillFound()
    {
        var registry = await LoadedRegistryAsync("a");

        await Store.UpdateAsync("a", w => w with { Status = WebhookStatus.Disabled }, None);

        Assert.Equal(WebhookStatus.Disabled, registry.Current.Find("a")!.Webhook.Status);
        Assert.Equal(1, registry.Current.CountOf(WebhookStatus.Disabled));
        Assert.Equal(0, registry.Current.CountOf(WebhookStatus.Enabled));
    }

    [Fact]
    public async Task RefreshById_DuplicateNotice_KeepsTheSameSnapshot()
    {
        var registry = await LoadedRegistryAsync("a");
        await Store.UpdateAsync("a", w => w with { Name = "renamed" }, None);
        var snapshot = registry.Current;

        await registry.RefreshAsync("a", None);
        await registry.RefreshAsync("a", None);

        Assert.Same(snapshot, registry.Current);
    }

    [Fact]
    public async Task RefreshById_NoticesOutOfOrder_EndsAtTheStoredVersion()
    {
        // A registry that hears no notices by itself: the test delivers them, late and reordered.
        await InsertAsync("a", "b");
        var registry = new WebhookRegistry(Store);
        await registry.RefreshAsync(None);
        await Store.UpdateAsync("a", w => w with { Name = "first" }, None);
        await Store.UpdateAsync("a", w => w with { Name = "second" }, None);

        await registry.RefreshAsync("a", None); // the second edit's notice
        var snapshot = registry.Current;
        await registry.RefreshAsync("a", None); // the first edit's notice, late

        Assert.Same(snapshot, registry.Current);
        Assert.Equal(("second", 3L), (registry.Current.Find("a")!.Webhook.Name, registry.Current.Find("a")!.Webhook.Version));
    }

    [Fact]
    public async Task RefreshById_StaleRead_IsIgnored()
    {
        await InsertAsync("a");
        var stale = await Store.GetAsync("a", None);
        await Store.UpdateAsync("a", w => w with { Name = "newer" }, None);
        var reads = new ScriptedStore(Store);
        var registry = new WebhookRegistry(reads);
        await registry.RefreshAsync(None);

        // A read that returns what was stored before the edit (a lagging replica, a read that raced the write).
        reads.NextRead = stale;
        await registry.RefreshAsync("a", None);

        Assert.Equal(("newer", 2L), (registry.Current.Find("a")!.Webhook.Name, registry.Current.Find("a")!.Webhook.Version));
    }

    [Fact]
    public async Task RefreshById_NoticeForAWebhookThatNeverExisted_ChangesNothing()
    {
        var registry = await LoadedRegistryAsync("a");
        var snapshot = registry.Current;

        await registry.RefreshAsync("ghost", None);

        Assert.Same(snapshot, registry.Current);
    }

    [Fact]
    public async Task RefreshAll_ReloadsEverythingAndReusesUnchangedFilters()
    {
        await Store.InsertAsync(Hook("a") with { Query = "data.x=1" }, None);
        var registry = new WebhookRegistry(Store, Changes);
        await registry.RefreshAsync(None);
        var filter = registry.Current.Find("a")!.Filter;
        var quiet = new WebhookRegistry(Store);

        await InsertAsync("b");
        await quiet.RefreshAsync(None);
        await registry.RefreshAsync(None);

        Assert.Equal(["a", "b"], quiet.Current.All.Select(w => w.Webhook.Id).Order(StringComparer.Ordinal));
        Assert.Same(filter, registry.Current.Find("a")!.Filter);
    }

    [Fact]
    public async Task RefreshAll_MorePagesThanOne_LoadsEveryWebhookAndKeepsUnchangedInstances()
    {
        var ids = Enumerable.Range(0, PageRequest.MaxLimit + 205).Select(i => $"w{i:D5}").ToArray();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) => await Store.InsertAsync(Hook(id), ct));
        var registry = new WebhookRegistry(Store);
        await registry.RefreshAsync(None);
        var before = registry.Current;
        await Store.UpdateAsync(ids[1100], w => w with { Name = "changed" }, None);

        await registry.RefreshAsync(None);

        Assert.Equal(ids.Length, registry.Current.Count);
        Assert.All(ids.Where(id => id != ids[1100]), id => Assert.Same(before.Find(id), registry.Current.Find(id)));
        Assert.Equal("changed", registry.Current.Find(ids[1100])!.Webhook.Name);
    }

    [Fact]
    public async Task Indexed_RepeatedValues_AreSharedBetweenWebhooks()
    {
        var registry = await LoadedRegistryAsync("a", "b");

        var (a, b) = (registry.Current.Find("a")!.Webhook, registry.Current.Find("b")!.Webhook);

        Assert.Same(a.EventType, b.EventType);
        Assert.Same(a.DomainId, b.DomainId);
        Assert.Same(a.Headers, b.Headers);
    }

    [Fact]
    public async Task FullReload_OverlappingSingleUpdates_KeepsTheNewerVersionAndTheDelete()
    {
        await InsertAsync("a", "b", "c");
        var reads = new ScriptedStore(Store);
        var registry = new WebhookRegistry(reads);
        await registry.RefreshAsync(None);

        // The reload reads everything, then waits; meanwhile "a" is edited and "b" deleted, and
        // their notices are applied before the reload installs what it read.
        reads.HoldLoad = new TaskCompletionSource();
        var reload = registry.RefreshAsync(None);
        await reads.LoadRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Store.UpdateAsync("a", w => w with { Name = "edited" }, None);
        Assert.True(await Store.DeleteAsync("b", DateTimeOffset.UnixEpoch, None));
        await registry.RefreshAsync("a", None);
        await registry.RefreshAsync("b", None);
        reads.HoldLoad.SetResult();
        await reload.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("edited", registry.Current.Find("a")!.Webhook.Name);
        Assert.Null(registry.Current.Find("b"));
        Assert.NotNull(registry.Current.Find("c"));
    }

    [Fact]
    public async Task Notices_ManyConcurrentEdits_EndWhereTheStoreIs()
    {
        var ids = Enumerable.Range(0, 40).Select(i => $"w{i:D2}").ToArray();
        var registry = await LoadedRegistryAsync(ids);

        await Parallel.ForEachAsync(
            Enumerable.Range(0, 400),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) =>
            {
                var id = ids[i % ids.Length];
                if (i % 97 == 0)
                {
                    await Store.DeleteAsync(id, DateTimeOffset.UnixEpoch, ct);
                }
                else
                {
                    await Store.EditAsync(id, w => w with { Name = $"n{i}" }, ct, tries: 100);
                }
            });

        foreach (var id in ids)
        {
            var stored = await Store.GetAsync(id, None);
            var indexed = registry.Current.Find(id)?.Webhook;
            Assert.Equal((stored?.Name, stored?.Version), (indexed?.Name, indexed?.Version));
        }
    }

    private async Task<WebhookRegistry> LoadedRegistryAsync(params string[] ids)
    {
        await InsertAsync(ids);
        var registry = new WebhookRegistry(Store, Changes);
        await registry.RefreshAsync(None);
        return registry;
    }

    private async Task InsertAsync(params string[] ids)
    {
        foreach (var id in ids)
        {
            await Store.InsertAsync(Hook(id), None);
        }
    }

    private static Webhook Hook(string id) => new()
    {
        Id = id,
        DomainId = "dom-1",
        Url = "https://example.com/hook",
        EventType = "assets",
        DateCreated = DateTimeOffset.UnixEpoch,
        DateModified = DateTimeOffset.UnixEpoch,
    };

    /// <summary>The real store, except for one scripted read, and list pages (what a reload reads) that can be held after they were read.</summary>
    private sealed class ScriptedStore(IWebhookStore inner) : IWebhookStore
    {
        public Webhook? NextRead { get; set; }

        public TaskCompletionSource? HoldLoad { get; set; }

        public TaskCompletionSource LoadRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<Webhook>> LoadAllAsync(CancellationToken cancellationToken) => inner.LoadAllAsync(cancellationToken);

        public Task<Webhook?> GetAsync(string id, CancellationToken cancellationToken)
        {
            if (NextRead is { } scripted)
            {
                NextRead = null;
                return Task.FromResult<Webhook?>(scripted);
            }

            return inner.GetAsync(id, cancellationToken);
        }

        public async Task<Page<Webhook>> ListAsync(string? domainId, PageRequest page, CancellationToken cancellationToken)
        {
            var read = await inner.ListAsync(domainId, page, cancellationToken);
            if (HoldLoad is { } hold)
            {
                LoadRead.TrySetResult();
                await hold.Task;
            }

            return read;
        }

        public Task<IReadOnlyList<Webhook>> ListAtAsync(string? domainId, int offset, int limit, CancellationToken cancellationToken) =>
            inner.ListAtAsync(domainId, offset, limit, cancellationToken);

        public Task<int> CountAsync(string? domainId, CancellationToken cancellationToken) => inner.CountAsync(domainId, cancellationToken);

        public Task InsertAsync(Webhook webhook, CancellationToken cancellationToken) => inner.InsertAsync(webhook, cancellationToken);

        public Task<bool> InsertAsync(Webhook webhook, int maxPerDomain, CancellationToken cancellationToken) => inner.InsertAsync(webhook, maxPerDomain, cancellationToken);

        public Task<WebhookUpdate> UpdateAsync(Webhook updated, long expectedVersion, CancellationToken cancellationToken) =>
            inner.UpdateAsync(updated, expectedVersion, cancellationToken);

        public Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) => inner.DeleteAsync(id, now, cancellationToken);
    }
}
