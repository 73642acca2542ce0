using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Contracts;

/// <summary>The Data Protection key ring in the store: <see cref="IDataProtectionKeyStore"/>.</summary>
public abstract class DataProtectionKeyStoreContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    private IDataProtectionKeyStore Keys => Stores.DataProtectionKeys;

    [Fact]
    public async Task LoadAllAsync_Empty_NoElements()
    {
        Assert.Empty(await Keys.LoadAllAsync(None));
    }

    [Fact]
    public async Task AddAsync_Elements_LoadedBackInOrderWithExactXml()
    {
        var first = new DataProtectionKeyRecord("key-1", "<key id=\"1\" version=\"1\"><x>é ✓ &amp; &lt;</x></key>");
        var second = new DataProtectionKeyRecord("revocation-2", "<revocation version=\"1\"><reason>r</reason></revocation>");

        Assert.True(await Keys.AddAsync(first, None));
        Assert.True(await Keys.AddAsync(second, None));

        Assert.Equal([first, second], await Keys.LoadAllAsync(None));
    }

    [Fact]
    public async Task AddAsync_SameNameTwice_FirstKept()
    {
        await Keys.AddAsync(new DataProtectionKeyRecord("key-1", "<key id=\"1\"/>"), None);

        Assert.False(await Keys.AddAsync(new DataProtectionKeyRecord("key-1", "<key id=\"other\"/>"), None));

        Assert.Equal("<key id=\"1\"/>", Assert.Single(await Keys.LoadAllAsync(None)).Xml);
    }

    [Fact]
    public async Task AddAsync_SeenFromAReopenedStore_SharedKeys()
    {
        await Keys.AddAsync(new DataProtectionKeyRecord("key-1", "<key id=\"1\"/>"), None);

        await using var other = await Stores.OpenAgainAsync();

        Assert.Equal("key-1", Assert.Single(await other.DataProtectionKeys.LoadAllAsync(None)).Name);
    }

    [Fact]
    public async Task StoreXmlRepository_KeyCreatedOnOneNode_DecryptsOnAnother()
    {
        await using var other = await Stores.OpenAgainAsync();
        var protectedText = Protector(Keys).Protect("whsec_secret");

        Assert.Equal("whsec_secret", Protector(other.DataProtectionKeys).Unprotect(protectedText));
        Assert.NotEmpty(await Keys.LoadAllAsync(None));
    }

    private static IDataProtector Protector(IDataProtectionKeyStore store)
    {
        var services = new ServiceCollection();
        services.AddSingleton(store);
        services.AddDataProtection().SetApplicationName("Herald").PersistKeysToHeraldStore();
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector("Herald.Storage.WebhookSecrets.v1");
    }
}
