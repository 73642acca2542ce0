using System.Text;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// Storage failures as the writer and readiness see them. SQLite's own read-only mode
/// (<c>PRAGMA query_only</c> on the writer's connection) refuses writes with SQLITE_READONLY, as a
/// read-only file would; the full-disk case runs on a real tmpfs in Herald.Server.Tests.
/// </summary>
public sealed class SqliteStorageFailureTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _db = new();
    private SqliteConnection? _writerConnection;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Writer_DatabaseReadOnly_FailsAsUnavailableAndReadinessFollowsUntilWritesWorkAgain()
    {
        await SetQueryOnlyAsync(true);

        var error = await Assert.ThrowsAsync<SqliteException>(() => _db.InsertWebhookAsync("w1"));

        Assert.True(StorageFailures.IsUnavailable(error, out var reason));
        Assert.Equal("the database is read-only", reason);
        var failing = await _db.Health.CheckAsync(CancellationToken.None);
        Assert.Equal(new StoreHealthReport(false, "database not writable", "the database is read-only"), failing);

        await SetQueryOnlyAsync(false);

        // The probe run by the check itself proves writes work again.
        Assert.Equal(StoreHealthReport.Healthy, await _db.Health.CheckAsync(CancellationToken.None));
        await _db.InsertWebhookAsync("w1");
        Assert.Equal(1, _db.Count("SELECT COUNT(*) FROM webhooks"));
    }

    [Fact]
    public async Task Writer_ConstraintViolation_IsNotAStorageFailure()
    {
        await _db.InsertWebhookAsync("w1");

        var error = await Assert.ThrowsAsync<SqliteException>(() => _db.InsertWebhookAsync("w1"));

        Assert.False(StorageFailures.IsUnavailable(error, out _));
        Assert.True((await _db.Health.CheckAsync(CancellationToken.None)).Ready);
    }

    [Fact]
    public async Task Writer_EmptyTransactionAfterFailure_DoesNotCountAsRecovered()
    {
        await SetQueryOnlyAsync(true);
        await Assert.ThrowsAsync<SqliteException>(() => _db.InsertWebhookAsync("w1"));
        await SetQueryOnlyAsync(false);

        // A claim that finds nothing commits even on a full disk; it proves nothing.
        await _db.Deliveries.ClaimDueAsync("node", SqliteTestDatabase.T0, TimeSpan.FromMinutes(1), 10, CancellationToken.None);
        Assert.Equal("the database is read-only", _db.WriteHealth.Failure);

        await _db.InsertWebhookAsync("w1");
        Assert.Null(_db.WriteHealth.Failure);
    }

    [Fact]
    public void Start_FileIsNotADatabase_ThrowsStartupErrorNamingTheFile()
    {
        var path = Path.Combine(_db.Folder, "garbage.db");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes(new string('x', 8192)));

        var error = Assert.Throws<StorageStartupException>(() => new SqliteDatabase(new SqliteOptions { Path = path }).Start());

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_PathIsAFolder_ThrowsStartupErrorNamingTheFile()
    {
        var path = Path.Combine(_db.Folder, "folder.db");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<StorageStartupException>(() => new SqliteDatabase(new SqliteOptions { Path = path }).Start());

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Switches the writer's own connection read-only or back. Not through a write request: with
    /// <c>query_only</c> on, the writer's <c>BEGIN IMMEDIATE</c> itself fails, so nothing queued could
    /// switch it off. Nothing else uses the writer meanwhile.
    /// </summary>
    private async Task SetQueryOnlyAsync(bool on)
    {
        _writerConnection ??= await _db.Writer.ExecuteAsync(session => session.Connection, CancellationToken.None, durable: false);
        SqliteDatabase.Execute(_writerConnection, $"PRAGMA query_only = {(on ? "ON" : "OFF")};");
    }
}
