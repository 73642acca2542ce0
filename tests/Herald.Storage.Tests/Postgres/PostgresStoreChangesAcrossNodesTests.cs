using System.Collections.Concurrent;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Storage.Postgres;
using Herald.Storage.Tests.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Storage.Tests.Contracts.TestData;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// Change notices between two nodes on one database (LISTEN/NOTIFY): what one node writes reaches
/// the other's handlers within a second; a rolled-back write sends nothing; after the listening
/// connection is lost, the node reconnects and raises a null-id notice of every kind.
/// </summary>
public sealed class PostgresStoreChangesAcrossNodesTests : TwoNodeTest
{
    private static readonly TimeSpan WithinASecond = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<StoreChange> _seenByB = new();
    private readonly ConcurrentQueue<StoreChange> _seenByA = new();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var kind in Enum.GetValues<StoreChangeKind>())
        {
            B.Changes.Subscribe(kind, Record(_seenByB));
            A.Changes.Subscribe(kind, Record(_seenByA));
        }
    }

    [Fact]
    public async Task WebhookCreatedOnA_ReachesBWithinASecondAndBReadsIt()
    {
        Webhook? readByB = null;
        using var _ = B.Changes.Subscribe(StoreChangeKind.Webhooks, async (change, ct) => readByB ??= await B.Webhooks.GetAsync("w1", ct));

        await A.Webhooks.InsertAsync(NewWebhook("w1"), CancellationToken.None);

        // B's handler, raised by A's notice, reads the committed webhook.
        await WaitAsync(() => readByB is not null, "B to hear of w1 and read it");
        Assert.Equal("w1", readByB?.Id);
        Assert.Contains(new StoreChange(StoreChangeKind.Webhooks, "w1"), _seenByB);
    }

    [Fact]
    public async Task WebhookEditedAndDeletedOnA_BothReachB()
    {
        await A.Webhooks.InsertAsync(NewWebhook("w1"), CancellationToken.None);
        await WaitAsync(() => _seenByB.Any(c => c.Id == "w1"), "the insert");
        _seenByB.Clear();

        await A.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Paused }, CancellationToken.None);
        await WaitAsync(() => _seenByB.Any(c => c.Id == "w1"), "the edit");
        _seenByB.Clear();
        Assert.True(await A.Webhooks.DeleteAsync("w1", T0, CancellationToken.None));

        await WaitAsync(() => _seenByB.Any(c => c.Id == "w1"), "the delete");
        Assert.Null(await B.Webhooks.GetAsync("w1", CancellationToken.None));
    }

    [Fact]
    public async Task ApiKeyRevokedOnA_ReachesBWithinASecond()
    {
        await A.ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash-1", T0), CancellationToken.None);
        await WaitAsync(() => _seenByB.Contains(new StoreChange(StoreChangeKind.ApiKeys, "k1")), "the new key");
        _seenByB.Clear();

        Assert.True(await A.ApiKeys.DeleteAsync("k1", CancellationToken.None));

        await WaitAsync(() => _seenByB.Contains(new StoreChange(StoreChangeKind.ApiKeys, "k1")), "the revocation");
        Assert.Empty(await B.ApiKeys.LoadAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task IngestOnA_DueWorkReachesB()
    {
        await A.Webhooks.InsertAsync(NewWebhook("w1"), CancellationToken.None);
        var body = "{}"u8.ToArray();
        var batch = new IngestBatch(
            [new StoredEvent("e1", new PublishedEvent("assets", "update", null, "o1", null, null, body), T0)],
            [new Herald.Core.Deliveries.NewDelivery("d1", "w1", "e1", "o1", null, T0)],
            null,
            null,
            T0);

        await A.Events.IngestAsync(batch, CancellationToken.None);

        await WaitAsync(() => _seenByB.Any(c => c.Kind == StoreChangeKind.DueWork), "due work");
    }

    [Fact]
    public async Task OwnWrites_RaisedOnceOnTheWritingNodeNotAgainFromTheDatabase()
    {
        await A.Webhooks.InsertAsync(NewWebhook("w1"), CancellationToken.None);

        // Notices arrive in commit order: once A hears B's later write, it has heard everything
        // committed before it, its own notice for w1 included.
        await B.Webhooks.InsertAsync(NewWebhook("w2"), CancellationToken.None);
        await WaitAsync(() => _seenByA.Any(c => c.Id == "w2"), "A to hear of w2");

        Assert.Single(_seenByA, c => c.Id == "w1");
    }

    [Fact]
    public async Task FailedOrRefusedWrite_NoNoticeReachesB()
    {
        await A.ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash-1", T0), CancellationToken.None);
        Assert.True(await A.Webhooks.InsertAsync(NewWebhook("w1", domainId: "dom"), maxPerDomain: 1, CancellationToken.None));

        // A duplicate hash rolls the insert (and its notice) back; the domain limit refuses w2.
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => A.ApiKeys.InsertAsync(new ApiKeyRecord("k2", null, null, false, "hash-1", T0), CancellationToken.None));
        Assert.False(await A.Webhooks.InsertAsync(NewWebhook("w2", domainId: "dom"), maxPerDomain: 1, CancellationToken.None));
        await A.Webhooks.InsertAsync(NewWebhook("marker"), CancellationToken.None);

        // Notices arrive in commit order, so once the marker's is here, any for k2 or w2 would be.
        await WaitAsync(() => _seenByB.Any(c => c.Id == "marker"), "the marker");
        Assert.Contains(new StoreChange(StoreChangeKind.ApiKeys, "k1"), _seenByB);
        Assert.DoesNotContain(_seenByB, c => c.Id is "k2" or "w2");
    }

    [Fact]
    public async Task ListeningConnectionLost_ReconnectsRaisesEveryKindAndHearsLaterWrites()
    {
        var changesOfB = B.Services.GetRequiredService<PostgresStoreChanges>();
        var connections = changesOfB.Connections;
        _seenByB.Clear();

        // The listening backend of B: the only one in this database whose last statement was a LISTEN on B's channel.
        var terminated = await A.Database.ScalarAsync(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query = $1",
            "LISTEN " + changesOfB.Channel);
        Assert.True((long)terminated! >= 1);

        await WaitAsync(() => changesOfB.Connections > connections, "B to listen again", TimeSpan.FromSeconds(10));
        await WaitAsync(() => Enum.GetValues<StoreChangeKind>().All(k => _seenByB.Contains(StoreChange.Any(k))), "a null-id notice of every kind");
        await A.Webhooks.InsertAsync(NewWebhook("after"), CancellationToken.None);
        await WaitAsync(() => _seenByB.Any(c => c.Id == "after"), "a write after the reconnect");
    }

    private static async Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? WithinASecond);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}");
            }

            await Task.Delay(10);
        }
    }

    private static Func<StoreChange, CancellationToken, ValueTask> Record(ConcurrentQueue<StoreChange> into) => (change, _) =>
    {
        into.Enqueue(change);
        return ValueTask.CompletedTask;
    };
}
