using Herald.Core.Deliveries;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// What a takeover does to the rows of <c>deliveries</c>, seen in the table itself: a dead node's
/// leases go back (due at the round's time), a live node's and finished deliveries stay as they are.
/// </summary>
public sealed class PostgresPartitionTakeoverTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    private PostgresTestDatabase _database = null!;
    private ServiceProvider _a = null!;
    private ServiceProvider _b = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _a = await _database.OpenServicesAsync();
        _b = await _database.OpenServicesAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task BalanceAsync_TakesOverFromADeadNode_OnlyItsPendingLeasesGoBack()
    {
        var a = _a.GetRequiredService<IPartitionLeases>();
        var b = _b.GetRequiredService<IPartitionLeases>();
        await a.BalanceAsync(new PartitionRound("node-a", T0, Ttl, []), CancellationToken.None);
        var leaseEnd = UnixTime.ToMs(T0 + TimeSpan.FromMinutes(2));
        await InsertAsync("dead-pending", status: 0, "node-a", leaseEnd);
        await InsertAsync("dead-done", status: 1, "node-a", leaseEnd);
        await InsertAsync("other", status: 0, "node-c", leaseEnd);
        await _database.ScalarAsync("INSERT INTO cluster_nodes (id, expires_at) VALUES ('node-c', $1)", UnixTime.ToMs(T0 + TimeSpan.FromHours(1)));

        var at = T0 + Ttl;
        var held = await b.BalanceAsync(new PartitionRound("node-b", at, Ttl, []), CancellationToken.None);

        // node-c counts as live (its heartbeat runs an hour): the share is half.
        Assert.Equal(LanePartitions.Count / 2, held.Owned.Count);
        Assert.Equal(1, held.ReleasedDeliveries);
        Assert.Equal("|0|" + UnixTime.ToMs(at), await RowAsync("dead-pending"));
        Assert.Equal("node-a|" + leaseEnd + "|" + leaseEnd, await RowAsync("dead-done"));
        Assert.Equal("node-c|" + leaseEnd + "|" + leaseEnd, await RowAsync("other"));
    }

    [Fact]
    public async Task BalanceAsync_ConcurrentRoundsOfManyNodes_EveryPartitionOwnedOnce()
    {
        var nodes = new List<ServiceProvider> { _a, _b };
        for (var i = 0; i < 4; i++)
        {
            nodes.Add(await _database.OpenServicesAsync());
        }

        try
        {
            // Rounds of six nodes at once, all joining in the same instant; rounds run one at a
            // time in the database, so no partition ever lands on two nodes.
            var rounds = nodes.Select((n, i) => Task.Run(() => n.GetRequiredService<IPartitionLeases>().BalanceAsync(new PartitionRound($"node-{i}", T0, Ttl, []), CancellationToken.None)));
            var held = await Task.WhenAll(rounds);

            var all = held.SelectMany(h => h.Owned).ToList();
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.Equal(
                held.Length,
                Convert.ToInt32(await _database.ScalarAsync("SELECT count(*) FROM cluster_nodes WHERE expires_at > $1", UnixTime.ToMs(T0)), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(all.Count, Convert.ToInt32(await _database.ScalarAsync("SELECT count(*) FROM partition_leases WHERE owner IS NOT NULL"), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            foreach (var node in nodes.Skip(2))
            {
                await node.DisposeAsync();
            }
        }
    }

    private Task InsertAsync(string id, int status, string owner, long leaseUntil) => _database.ScalarAsync(
        """
        INSERT INTO deliveries (id, webhook_id, event_id, status, held, attempt_count, next_attempt_at, lease_owner, lease_until, created_at, updated_at)
        VALUES ($1, 'w1', 'e1', $2, 0, 0, $4, $3, $4, 0, 0)
        """,
        id, status, owner, leaseUntil);

    private async Task<string?> RowAsync(string id) =>
        (string?)await _database.ScalarAsync("SELECT concat_ws('|', coalesce(lease_owner, ''), lease_until, next_attempt_at) FROM deliveries WHERE id = $1", id);
}
