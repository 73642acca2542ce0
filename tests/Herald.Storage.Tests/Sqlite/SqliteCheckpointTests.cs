using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Events;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>WAL checkpoints run beside the writer (SqliteCheckpointer), and the WAL still starts over.</summary>
public sealed class SqliteCheckpointTests : IAsyncLifetime
{
    private const int PageSize = 4096;
    private const int RestartPages = 200;

    private readonly SqliteTestDatabase _db = new(configure: o =>
    {
        o.CheckpointPages = 20;
        o.WalRestartPages = RestartPages;
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Writes_WellBeyondTheRestartThreshold_AreCheckpointedInTheBackgroundAndTheWalStaysBounded()
    {
        // About 3,000 pages of events (3 KiB bodies): fifteen times the restart threshold.
        var body = new string('x', 3000);
        var largestWal = 0L;
        for (var round = 0; round < 30; round++)
        {
            var writes = Enumerable.Range(0, 100).Select(i => Ingest($"e-{round:D2}-{i:D3}", body));
            await Task.WhenAll(writes);
            largestWal = Math.Max(largestWal, WalLength());
        }

        Assert.True(_db.Writer.Checkpointer.Checkpoints > 0, "no checkpoint ran in the background");

        // Without the writer's own checkpoint the WAL would hold all ~3,000 pages (12 MB); it starts
        // over every 200 pages, give or take a batch (100 writes of one page each) and a background
        // checkpoint in progress.
        Assert.True(largestWal < 2 * (RestartPages + 200) * (PageSize + 24), $"the WAL grew to {largestWal:N0} bytes");

        // The pages went where they belong: the database file itself holds most of them, and
        // everything reads back intact.
        Assert.True(new FileInfo(_db.FilePath).Length > 6_000_000, $"the database file is {new FileInfo(_db.FilePath).Length:N0} bytes");
        Assert.Equal(3000, _db.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(3000, _db.Count("SELECT COUNT(*) FROM events WHERE length(body) > 3000"));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"));
    }

    [Fact]
    public async Task AReaderHoldingOldPages_DelaysTheRestartButLosesNothing()
    {
        var body = new string('y', 3000);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Ingest($"before-{i:D3}", body)));

        // A read transaction open across many checkpoints: the WAL cannot start over under it.
        using (var reader = _db.Database.Open())
        {
            using var begin = reader.CreateCommand();
            begin.CommandText = "BEGIN; SELECT COUNT(*) FROM events;";
            Assert.Equal(50L, Convert.ToInt64(begin.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
            for (var round = 0; round < 10; round++)
            {
                await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Ingest($"during-{round:D2}-{i:D3}", body)));
            }

            // Its snapshot is unchanged.
            using var again = reader.CreateCommand();
            again.CommandText = "SELECT COUNT(*) FROM events;";
            Assert.Equal(50L, Convert.ToInt64(again.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
            using var end = reader.CreateCommand();
            end.CommandText = "COMMIT;";
            end.ExecuteNonQuery();
        }

        // The next writer checkpoint copies everything and the WAL starts over: from then on it is
        // rewritten from its start and the file grows no further.
        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Ingest($"after-{round:D2}-{i:D3}", body)));
        }

        var walAfterRestart = WalLength();
        for (var round = 5; round < 15; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Ingest($"after-{round:D2}-{i:D3}", body)));
        }

        Assert.True(WalLength() == walAfterRestart, $"the WAL grew from {walAfterRestart:N0} to {WalLength():N0} bytes after the reader ended");
        Assert.Equal(2550, _db.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"));
    }

    private Task<IngestResult> Ingest(string id, string text)
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"event_type":"assets","operation":"update","data":{"id":"{{{id}}}","pad":"{{{text}}}"}}""");
        var stored = new StoredEvent(id, new PublishedEvent("assets", "update", "metadata", null, null, null, body), T0);
        return _db.Events.IngestAsync(new IngestBatch([stored], [], null, null, T0), CancellationToken.None);
    }

    private long WalLength() => new FileInfo(_db.FilePath + "-wal") is { Exists: true } wal ? wal.Length : 0;
}
