using Herald.Core.Deliveries;
using Herald.Storage;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>On start, SQLite gives back every lease: the process that held them is gone.</summary>
public sealed class SqliteLeaseRecoveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2.5);

    private readonly SqliteTestDatabase _db = new();

    public async Task InitializeAsync() => await _db.InsertWebhookAsync("w1");

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task RecoverLeasesAsync_LeasesOfADeadProcess_DueAtOnceNotWhenTheLeaseEnds()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        await _db.PublishAsync("e2", T0, webhookIds: "w1");
        Assert.Equal(2, (await _db.Deliveries.ClaimDueAsync("dead-node", T0, Lease, 10, CancellationToken.None)).Count);
        var restart = T0.AddSeconds(5);
        Assert.Empty(await _db.Deliveries.ClaimDueAsync("new-node", restart, Lease, 10, CancellationToken.None));

        var recovered = await _db.Deliveries.RecoverLeasesAsync(restart, CancellationToken.None);

        Assert.Equal(2, recovered);
        Assert.Equal(restart, (await _db.Deliveries.GetAsync("e1-w1", null, CancellationToken.None))!.NextAttemptAt);
        var claimed = await _db.Deliveries.ClaimDueAsync("new-node", restart, Lease, 10, CancellationToken.None);
        Assert.Equal(["e1-w1", "e2-w1"], claimed.Select(c => c.Id).Order());
        Assert.All(claimed, c => Assert.Equal(0, c.AttemptCount));
    }

    [Fact]
    public async Task RecoverLeasesAsync_SomeRecovered_RaisesDueWork()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        await _db.Deliveries.ClaimDueAsync("dead-node", T0, Lease, 10, CancellationToken.None);
        var due = new List<StoreChange>();
        using var _ = _db.Changes.Subscribe(StoreChangeKind.DueWork, (change, _) =>
        {
            due.Add(change);
            return ValueTask.CompletedTask;
        });

        Assert.Equal(1, await _db.Deliveries.RecoverLeasesAsync(T0, CancellationToken.None));

        Assert.NotEmpty(due);
    }

    [Fact]
    public async Task RecoverLeasesAsync_FinishedAndWaitingDeliveries_LeftAlone()
    {
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
        await _db.PublishAsync("later", T0.AddHours(1), webhookIds: "w1");
        var done = Assert.Single(await _db.Deliveries.ClaimDueAsync("dead-node", T0, Lease, 10, CancellationToken.None));
        await _db.Deliveries.CompleteAsync([new AttemptRecord(done.Id, "w1", 1, T0, 200, 3, null, null, true, null, done.LeaseUntil)], T0, TimeSpan.FromHours(5), CancellationToken.None);

        var recovered = await _db.Deliveries.RecoverLeasesAsync(T0.AddSeconds(5), CancellationToken.None);

        Assert.Equal(0, recovered);
        Assert.Equal(DeliveryStatus.Succeeded, (await _db.Deliveries.GetAsync("e1-w1", null, CancellationToken.None))!.Status);
        Assert.Equal(T0.AddHours(1), (await _db.Deliveries.GetAsync("later-w1", null, CancellationToken.None))!.NextAttemptAt);
    }
}
