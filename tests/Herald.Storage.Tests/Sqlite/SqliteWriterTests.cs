using Herald.Core.Deliveries;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteWriterTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly SqliteTestDatabase _db = new();

    public Task InitializeAsync() => _db.InsertWebhookAsync("w1");

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task ExecuteAsync_RequestsQueuedTogether_CommitInOneTransaction()
    {
        using var gate = await HoldWriterAsync();
        var a = _db.PublishAsync("a", T0, webhookIds: "w1");
        var b = _db.PublishAsync("b", T0, webhookIds: "w1");

        // Runs after a and b in the same batch: a separate connection must not see their rows yet.
        var seenOutside = _db.Writer.ExecuteAsync(_ => _db.Count("SELECT COUNT(*) FROM events"), CancellationToken.None);
        gate.Release();
        await Task.WhenAll(a, b).WaitAsync(Timeout);

        Assert.Equal(0, await seenOutside);
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task ExecuteAsync_DuplicateKeyInsideABatch_FailsAloneWhileBatchMatesCommit()
    {
        using var gate = await HoldWriterAsync();
        var first = _db.PublishAsync("a", T0, webhookIds: "w1");

        // Stores a fresh event and delivery, then collides with "a" on the events primary key.
        var failing = _db.Events.IngestAsync(
            new IngestBatch([NewEvent("b-new"), NewEvent("a")], [NewDelivery("b-new-w1", "w1", "b-new", T0)], null, null, T0),
            CancellationToken.None);
        var last = _db.PublishAsync("c", T0, webhookIds: "w1");
        gate.Release();

        await first.WaitAsync(Timeout);
        await Assert.ThrowsAsync<SqliteException>(() => failing.WaitAsync(Timeout));
        await last.WaitAsync(Timeout);

        Assert.Equal(["a", "c"], Ids("SELECT id FROM events ORDER BY id"));
        Assert.Equal(["a-w1", "c-w1"], Ids("SELECT id FROM deliveries ORDER BY id"));
    }

    [Fact]
    public async Task ExecuteAsync_TransactionItselfFails_EveryRequestOfTheBatchFailsAndTheWriterKeepsWorking()
    {
        using var gate = await HoldWriterAsync();
        var before = _db.PublishAsync("a", T0, webhookIds: "w1");

        // Ends the batch's transaction from inside a request: its savepoint is gone, so the batch
        // cannot go on, and nothing of it may be stored or left waiting.
        var breaking = _db.Writer.ExecuteAsync(session => { session.Run("ROLLBACK;"); return 0; }, CancellationToken.None);
        gate.Release();

        await Assert.ThrowsAsync<SqliteException>(() => before.WaitAsync(Timeout));
        await Assert.ThrowsAsync<SqliteException>(() => breaking.WaitAsync(Timeout));
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM events"));

        await _db.PublishAsync("b", T0, webhookIds: "w1").WaitAsync(Timeout);
        Assert.Equal(["b"], Ids("SELECT id FROM events ORDER BY id"));
    }

    [Fact]
    public async Task ExecuteAsync_RequestThrowsNonSqliteException_FailsAloneAndWriterKeepsWorking()
    {
        using var gate = await HoldWriterAsync();
        var before = _db.PublishAsync("a", T0, webhookIds: "w1");
        var throwing = _db.Writer.ExecuteAsync<int>(
            session =>
            {
                session.Execute("INSERT INTO api_keys (id, name, domain_id, is_admin, key_hash, created_at) VALUES ('k', NULL, NULL, 0, 'h', 0)");
                throw new InvalidOperationException("boom");
            },
            CancellationToken.None);
        gate.Release();

        await before.WaitAsync(Timeout);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => throwing.WaitAsync(Timeout));
        await _db.PublishAsync("b", T0, webhookIds: "w1").WaitAsync(Timeout);

        Assert.Equal("boom", error.Message);
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM api_keys"));
        Assert.Equal(["a", "b"], Ids("SELECT id FROM events ORDER BY id"));
    }

    [Fact]
    public async Task ExecuteAsync_MoreRequestsThanMaxBatch_AllCommit()
    {
        await using var small = new SqliteTestDatabase(maxBatch: 4);
        await small.InsertWebhookAsync("w1");

        var tasks = Enumerable.Range(0, 50).Select(i => small.PublishAsync($"e{i:D2}", T0, webhookIds: "w1")).ToList();
        await Task.WhenAll(tasks).WaitAsync(Timeout);

        Assert.Equal(50, small.Count("SELECT COUNT(*) FROM events"));
        Assert.Equal(50, small.Count("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task ExecuteAsync_CancelledBeforeQueueing_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Assert.Throws<OperationCanceledException>(() => { _ = _db.Writer.ExecuteAsync(_ => 1, cancelled.Token); });
    }

    [Fact]
    public async Task ExecuteAsync_AfterDispose_ThrowsStorageUnavailable()
    {
        await using var other = new SqliteTestDatabase();
        var writer = other.Writer;

        await writer.DisposeAsync();

        // Shutting down is a storage-unavailable case: a request arriving then answers 503, not 500.
        var error = Assert.Throws<StorageUnavailableException>(() => { _ = writer.ExecuteAsync(_ => 1, CancellationToken.None); });
        Assert.IsType<ObjectDisposedException>(error.InnerException);
    }

    private List<string> Ids(string sql)
    {
        using var connection = _db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Occupies the writer with a request that blocks until released, so later requests queue up as one batch.</summary>
    private async Task<WriterGate> HoldWriterAsync()
    {
        var gate = new WriterGate();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.Blocker = _db.Writer.ExecuteAsync(
            _ =>
            {
                started.SetResult();
                return gate.Wait();
            },
            CancellationToken.None);
        await started.Task.WaitAsync(Timeout);
        return gate;
    }

    private sealed class WriterGate : IDisposable
    {
        private readonly ManualResetEventSlim _released = new();

        public Task<bool>? Blocker { get; set; }

        public bool Wait() => _released.Wait(Timeout);

        public void Release() => _released.Set();

        public void Dispose()
        {
            _released.Set();
            _released.Dispose();
        }
    }
}
