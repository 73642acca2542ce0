using Microsoft.Data.Sqlite;

namespace Herald.Receiver.Tests.Deduplication;

public sealed class SqliteDeliveryDeduplicationStoreTests : DeliveryDeduplicationStoreContract, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("herald-receiver-").FullName;
    private readonly List<SqliteDeliveryDeduplicationStore> stores = [];

    private string DatabasePath => Path.Combine(directory, "dedup.db");

    protected override IDeliveryDeduplicationStore CreateStore(DeliveryDeduplicationOptions options) => Open(options);

    private SqliteDeliveryDeduplicationStore Open(DeliveryDeduplicationOptions? options = null)
    {
        var store = new SqliteDeliveryDeduplicationStore(DatabasePath, options ?? Options, Time);
        stores.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in stores)
        {
            store.Dispose();
        }

        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task TryMarkSeen_FirstUse_CreatesTable()
    {
        Assert.False(File.Exists(DatabasePath));

        await Open().TryMarkSeenAsync("d-1");

        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM herald_receiver_deliveries";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task TryMarkSeen_NewInstanceOnSameFile_RemembersProcessed()
    {
        var first = Open();
        await first.TryMarkSeenAsync("d-1");
        await first.MarkProcessedAsync("d-1");
        first.Dispose();

        Assert.Equal(DeliveryMarkResult.Duplicate, await Open().TryMarkSeenAsync("d-1"));
    }

    [Fact]
    public async Task TryMarkSeen_TwoInstancesRacing_ExactlyOneMarked()
    {
        var a = Open();
        var b = Open();
        await a.TryMarkSeenAsync("warm-up");

        var results = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).TryMarkSeenAsync("d-shared").AsTask())));

        Assert.Single(results, r => r == DeliveryMarkResult.Marked);
    }

    [Fact]
    public async Task PurgeExpired_AfterRetention_DeletesRows()
    {
        var store = Open();
        await store.MarkProcessedAsync("old-1");
        await store.MarkProcessedAsync("old-2");
        await store.TryMarkSeenAsync("claim");

        Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, await store.PurgeExpiredAsync());
        Time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(2, await store.PurgeExpiredAsync());
    }

    [Fact]
    public async Task TryMarkSeen_CleanupIntervalElapsed_DeletesExpiredRows()
    {
        var store = Open();
        await store.MarkProcessedAsync("old");
        Time.Advance(TimeSpan.FromHours(2));

        await store.TryMarkSeenAsync("new");

        Assert.Equal(0, await store.PurgeExpiredAsync());
    }
}
