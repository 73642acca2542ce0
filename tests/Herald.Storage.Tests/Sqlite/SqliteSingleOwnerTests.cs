using Herald.Core.Deliveries;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>SQLite has one process per database file, so it owns every partition and never balances.</summary>
public sealed class SqliteSingleOwnerTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _db = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public void Shared_False()
    {
        Assert.False(_db.PartitionLeases.Shared);
    }

    [Fact]
    public async Task BalanceAsync_GivingBackOrLeaving_StillOwnsEveryPartitionWithoutExpiry()
    {
        var now = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var leases = _db.PartitionLeases;

        var held = await leases.BalanceAsync(new PartitionRound("node-a", now, TimeSpan.FromSeconds(10), [1, 2, 3]), CancellationToken.None);
        await leases.LeaveAsync("node-a", CancellationToken.None);

        Assert.Equal(LanePartitions.Count, held.Owned.Count);
        Assert.Equal(DateTimeOffset.MaxValue, held.LeaseUntil);
        Assert.Equal(0, held.ReleasedDeliveries);
    }
}
