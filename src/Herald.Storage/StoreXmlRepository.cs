using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Storage;

/// <summary>
/// The Data Protection key ring read from and written to <see cref="IDataProtectionKeyStore"/>, so
/// every node sharing the database shares the keys. Data Protection calls this rarely (on start, when
/// the ring is refreshed, when a key is created), and synchronously.
/// </summary>
public sealed class StoreXmlRepository(IDataProtectionKeyStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() =>
        store.LoadAllAsync(CancellationToken.None).GetAwaiter().GetResult().Select(k => XElement.Parse(k.Xml)).ToList();

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var name = string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString() : friendlyName;
        store.AddAsync(new DataProtectionKeyRecord(name, element.ToString(SaveOptions.DisableFormatting)), CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Copies the key files of an existing <c>keys/</c> folder (Data Protection's file layout: one
    /// <c>{name}.xml</c> per element) into the store, skipping names already there, so secrets stored
    /// before the key ring moved into the database stay decryptable. Returns how many were added.
    /// </summary>
    public static async Task<int> ImportFolderAsync(IDataProtectionKeyStore store, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var added = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*.xml").Order(StringComparer.Ordinal))
        {
            var xml = XElement.Parse(await File.ReadAllTextAsync(file, cancellationToken));
            if (await store.AddAsync(new DataProtectionKeyRecord(Path.GetFileNameWithoutExtension(file), xml.ToString(SaveOptions.DisableFormatting)), cancellationToken))
            {
                added++;
            }
        }

        return added;
    }
}

public static class StoreXmlRepositoryExtensions
{
    /// <summary>Keeps the key ring in the store (<see cref="IDataProtectionKeyStore"/>) instead of a folder.</summary>
    public static IDataProtectionBuilder PersistKeysToHeraldStore(this IDataProtectionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(options => options.XmlRepository = new StoreXmlRepository(sp.GetRequiredService<IDataProtectionKeyStore>())));
        return builder;
    }
}
