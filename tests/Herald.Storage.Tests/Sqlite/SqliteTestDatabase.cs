using System.Globalization;
using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Storage.Sqlite;
using Herald.Storage.Tests.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// A real SQLite file in its own temporary folder, with the stores registered exactly as the server
/// registers them; the folder is deleted on dispose.
/// </summary>
internal sealed class SqliteTestDatabase : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = TestData.T0;

    private readonly ServiceProvider _services;

    /// <summary>The next due time after <paramref name="after"/>, as a claim of nothing at that time reports it.</summary>
    public async Task<DateTimeOffset?> NextDueAfterAsync(DateTimeOffset after) =>
        (await Deliveries.ClaimDueAsync("probe", after, TimeSpan.FromMinutes(1), 0, CancellationToken.None)).NextDueAfter;

    public SqliteTestDatabase(int maxBatch = 512, Action<SqliteOptions>? configure = null)
    {
        Folder = Path.Combine(Path.GetTempPath(), "herald-storage-tests-" + Guid.NewGuid().ToString("N"));
        FilePath = Path.Combine(Folder, "herald.db");
        Options = new SqliteOptions { Path = FilePath, MaxBatch = maxBatch };
        configure?.Invoke(Options);
        _services = new ServiceCollection().AddHeraldSqlite(Options).BuildServiceProvider();
        _services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public string Folder { get; }

    public string FilePath { get; }

    public SqliteOptions Options { get; }

    public IWebhookStore Webhooks => _services.GetRequiredService<IWebhookStore>();

    public IEventStore Events => _services.GetRequiredService<IEventStore>();

    public IDeliveryStore Deliveries => _services.GetRequiredService<IDeliveryStore>();

    public IApiKeyStore ApiKeys => _services.GetRequiredService<IApiKeyStore>();

    public IStoreHealth Health => _services.GetRequiredService<IStoreHealth>();

    public IStoreChanges Changes => _services.GetRequiredService<IStoreChanges>();

    public IJobLeases JobLeases => _services.GetRequiredService<IJobLeases>();

    public IPartitionLeases PartitionLeases => _services.GetRequiredService<IPartitionLeases>();

    public IDataProtectionKeyStore DataProtectionKeys => _services.GetRequiredService<IDataProtectionKeyStore>();

    public IReplayStore Replays => _services.GetRequiredService<IReplayStore>();

    public IDeliveryStatsStore Stats => _services.GetRequiredService<IDeliveryStatsStore>();

    public IDeliveryRecoveryStore Recovery => _services.GetRequiredService<IDeliveryRecoveryStore>();

    public IRetentionStore Retention => _services.GetRequiredService<IRetentionStore>();

    public SqliteWriter Writer => _services.GetRequiredService<SqliteWriter>();

    public SqliteLeases Leases => _services.GetRequiredService<SqliteLeases>();

    public IIngestHandOff HandOff => _services.GetRequiredService<IIngestHandOff>();

    public SqliteWriteHealth WriteHealth => _services.GetRequiredService<SqliteWriteHealth>();

    public SqliteDatabase Database => _services.GetRequiredService<SqliteDatabase>();

    /// <summary>Reads one number through a fresh connection, i.e. only what is committed.</summary>
    public long Count(string sql, params object?[] values)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue("$" + i.ToString(CultureInfo.InvariantCulture), values[i] ?? DBNull.Value);
        }

        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public Task InsertWebhookAsync(string id, WebhookStatus status = WebhookStatus.Enabled, string? domainId = null) =>
        Webhooks.InsertAsync(NewWebhook(id, status, domainId), CancellationToken.None);

    /// <summary>Stores one event with one delivery per webhook id, each due at <paramref name="due"/>.</summary>
    public async Task<IngestResult> PublishAsync(
        string eventId, DateTimeOffset due, string? objectId = "obj-1", string? domainId = null, params string[] webhookIds)
    {
        var stored = NewEvent(eventId, objectId, domainId);
        var deliveries = webhookIds.Select(w => NewDelivery($"{eventId}-{w}", w, eventId, due, objectId, domainId)).ToList();
        return await Events.IngestAsync(new IngestBatch([stored], deliveries, null, null, T0), CancellationToken.None);
    }

    public static Webhook NewWebhook(string id, WebhookStatus status = WebhookStatus.Enabled, string? domainId = null) => TestData.NewWebhook(id, status, domainId);

    public static StoredEvent NewEvent(string id, string? objectId = "obj-1", string? domainId = null, string realm = "metadata")
    {
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"event_type":"assets","realm":"{{{realm}}}","operation":"update","object_id":"{{{objectId}}}","data":{"id":"{{{id}}}"}}""");
        return new StoredEvent(id, new PublishedEvent("assets", "update", realm, objectId, domainId, null, body), T0);
    }

    public static NewDelivery NewDelivery(string id, string webhookId, string eventId, DateTimeOffset due, string? objectId = "obj-1", string? domainId = null) =>
        new(id, webhookId, eventId, objectId, domainId, due);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
