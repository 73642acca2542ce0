using Herald.Core.Webhooks;
using Herald.Server.Tests.Infrastructure;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Hosting;

/// <summary>
/// The Data Protection key ring moved from <c>keys/</c> beside the database into the database. An
/// install from before keeps working: its keys are imported on the first start, so the secrets it
/// stored stay readable, and from then on the folder is no longer needed.
/// </summary>
public sealed class DataProtectionKeyImportTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Fact]
    public async Task Start_ExistingKeysFolder_ImportedSoOldSecretsDecryptEvenAfterTheFolderIsGone()
    {
        var database = TempDatabase.NewPath();
        var keys = Path.Combine(Path.GetDirectoryName(database)!, "keys");
        await StoreAsOldInstallAsync(database, keys);
        Assert.NotEmpty(Directory.GetFiles(keys, "*.xml"));

        await using (var herald = await HeraldHost.StartAsync(databasePath: database))
        {
            Assert.Equal(Secret, await StoredSecretAsync(herald));
            Assert.Equal(
                Directory.GetFiles(keys, "*.xml").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal),
                (await herald.Services.GetRequiredService<IDataProtectionKeyStore>().LoadAllAsync(CancellationToken.None)).Select(k => k.Name).Order(StringComparer.Ordinal));
        }

        Directory.Delete(keys, recursive: true);
        await using (var again = await HeraldHost.StartAsync(databasePath: database))
        {
            Assert.Equal(Secret, await StoredSecretAsync(again));
        }
    }

    [Fact]
    public async Task Start_ConfiguredKeysFolder_ImportedFromThere()
    {
        var database = TempDatabase.NewPath();
        var keys = Path.Combine(Path.GetDirectoryName(database)!, "elsewhere", "dp-keys");
        await StoreAsOldInstallAsync(database, keys);

        await using var herald = await HeraldHost.StartAsync(
            databasePath: database, settings: new Dictionary<string, string?> { ["Herald:DataProtectionKeys"] = keys });

        Assert.Equal(Secret, await StoredSecretAsync(herald));
    }

    [Fact]
    public async Task Start_NoKeysFolder_KeysCreatedInTheDatabaseNotOnDisk()
    {
        var database = TempDatabase.NewPath();
        await using (var herald = await HeraldHost.StartAsync(databasePath: database))
        {
            await herald.Client.CreateWebhookAsync(new { event_type = "assets", url = "http://127.0.0.1:9/h", secret = Secret });
            Assert.NotEmpty(await herald.Services.GetRequiredService<IDataProtectionKeyStore>().LoadAllAsync(CancellationToken.None));
        }

        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(database)!, "keys")));
        await using var again = await HeraldHost.StartAsync(databasePath: database);
        Assert.Equal(Secret, await StoredSecretAsync(again));
    }

    /// <summary>What an earlier Herald left behind: a database whose secrets are encrypted with keys in a folder.</summary>
    private static async Task StoreAsOldInstallAsync(string database, string keys)
    {
        var services = new ServiceCollection().AddHeraldSqlite(new SqliteOptions { Path = database });
        services.AddDataProtection().SetApplicationName("Herald").PersistKeysToFileSystem(new DirectoryInfo(keys));
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        await provider.GetRequiredService<IWebhookStore>().InsertAsync(
            new Webhook
            {
                Id = "old", Url = "http://127.0.0.1:9/old", EventType = "assets", Status = WebhookStatus.Enabled,
                Secrets = [new WebhookSecretEntry(Secret, null)], DateCreated = now, DateModified = now,
            },
            CancellationToken.None);
    }

    private static async Task<string> StoredSecretAsync(HeraldHost herald)
    {
        var webhooks = await herald.Services.GetRequiredService<IWebhookStore>().LoadAllAsync(CancellationToken.None);
        return webhooks.Single().Secrets[0].Secret;
    }
}
