using System.Data.Common;

namespace Herald.Storage.Tests.Contracts;

/// <summary>API keys as stored (hashes only): <see cref="IApiKeyStore"/>.</summary>
public abstract class ApiKeyStoreContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    [Fact]
    public async Task LoadAllAsync_Empty_NoKeys()
    {
        Assert.Empty(await ApiKeys.LoadAllAsync(None));
    }

    [Fact]
    public async Task InsertAsync_Keys_LoadedBackWithEveryField()
    {
        var admin = new ApiKeyRecord("k1", "admin", null, true, "hash-1", T0);
        var domain = new ApiKeyRecord("k2", null, "dom-a", false, "hash-2", T0.AddMinutes(1));

        await ApiKeys.InsertAsync(domain, None);
        await ApiKeys.InsertAsync(admin, None);

        Assert.Equal([admin, domain], await ApiKeys.LoadAllAsync(None));
    }

    [Fact]
    public async Task InsertAsync_AfterReopen_StillThere()
    {
        var key = new ApiKeyRecord("k1", "ci ✓", "dom-a", false, "hash-1", T0);
        await ApiKeys.InsertAsync(key, None);

        await using var reopened = await Stores.OpenAgainAsync();

        Assert.Equal([key], await reopened.ApiKeys.LoadAllAsync(None));
    }

    [Fact]
    public async Task InsertAsync_SameHashTwice_Throws()
    {
        await ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash", T0), None);

        await Assert.ThrowsAnyAsync<DbException>(() => ApiKeys.InsertAsync(new ApiKeyRecord("k2", null, null, false, "hash", T0), None));
        Assert.Equal("k1", Assert.Single(await ApiKeys.LoadAllAsync(None)).Id);
    }

    [Fact]
    public async Task InsertAsync_SameIdTwice_Throws()
    {
        await ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash-1", T0), None);

        await Assert.ThrowsAnyAsync<DbException>(() => ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, true, "hash-2", T0), None));
        Assert.False(Assert.Single(await ApiKeys.LoadAllAsync(None)).IsAdmin);
    }

    [Fact]
    public async Task InsertAsync_HashesDifferingOnlyInCase_BothStored()
    {
        await ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "abcdef", T0), None);

        await ApiKeys.InsertAsync(new ApiKeyRecord("k2", null, null, false, "ABCDEF", T0), None);

        Assert.Equal(2, (await ApiKeys.LoadAllAsync(None)).Count);
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_RemovedAtOnce()
    {
        await ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash-1", T0), None);
        await ApiKeys.InsertAsync(new ApiKeyRecord("k2", null, null, false, "hash-2", T0), None);

        Assert.True(await ApiKeys.DeleteAsync("k1", None));

        Assert.Equal(["k2"], (await ApiKeys.LoadAllAsync(None)).Select(k => k.Id));
    }

    [Fact]
    public async Task DeleteAsync_Twice_SecondFalse()
    {
        await ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash-1", T0), None);

        Assert.True(await ApiKeys.DeleteAsync("k1", None));
        Assert.False(await ApiKeys.DeleteAsync("k1", None));
    }

    [Fact]
    public async Task DeleteAsync_ThenSameHashAgain_Allowed()
    {
        await ApiKeys.InsertAsync(new ApiKeyRecord("k1", null, null, false, "hash-1", T0), None);
        await ApiKeys.DeleteAsync("k1", None);

        await ApiKeys.InsertAsync(new ApiKeyRecord("k2", null, null, false, "hash-1", T0), None);

        Assert.Equal(["k2"], (await ApiKeys.LoadAllAsync(None)).Select(k => k.Id));
    }

    [Fact]
    public async Task DeleteAsync_UnknownKey_False()
    {
        Assert.False(await ApiKeys.DeleteAsync("nope", None));
    }
}
