using Microsoft.Data.Sqlite;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteApiKeyStoreTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _db = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task LoadAllAsync_Empty_NoKeys()
    {
        Assert.Empty(await _db.ApiKeys.LoadAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task InsertAsync_Keys_LoadedBackWithEveryField()
    {
        var admin = new ApiKeyRecord("k1", "admin", null, true, "hash-1", T0);
        var domain = new ApiKeyRecord("k2", null, "dom-a", false, "hash-2", T0.AddMinutes(1));

        await _db.ApiKeys.InsertAsync(domain, CancellationToken.None);
        await _db.ApiKeys.InsertAsync(admin, CancellationToken.None);

        Assert.Equal([admin, domain], await _db.ApiKeys.LoadAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task InsertAsync_SameHashTwice_Throws()
    {
        await _db.ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash", T0), CancellationToken.None);

        await Assert.ThrowsAsync<SqliteException>(() => _db.ApiKeys.InsertAsync(new ApiKeyRecord("k2", null, null, false, "hash", T0), CancellationToken.None));
        Assert.Single(await _db.ApiKeys.LoadAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_RemovedAtOnce()
    {
        await _db.ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash-1", T0), CancellationToken.None);
        await _db.ApiKeys.InsertAsync(new ApiKeyRecord("k2", null, null, false, "hash-2", T0), CancellationToken.None);

        Assert.True(await _db.ApiKeys.DeleteAsync("k1", CancellationToken.None));

        Assert.Equal(["k2"], (await _db.ApiKeys.LoadAllAsync(CancellationToken.None)).Select(k => k.Id));
    }

    [Fact]
    public async Task DeleteAsync_UnknownKey_False()
    {
        Assert.False(await _db.ApiKeys.DeleteAsync("nope", CancellationToken.None));
    }
}
