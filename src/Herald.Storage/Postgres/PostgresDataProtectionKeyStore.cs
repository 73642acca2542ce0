using Herald.Storage.Sqlite;

namespace Herald.Storage.Postgres;

/// <summary>The Data Protection key ring in <c>data_protection_keys</c>, shared by every node.</summary>
internal sealed class PostgresDataProtectionKeyStore(PostgresDatabase database, TimeProvider time) : IDataProtectionKeyStore
{
    public async Task<IReadOnlyList<DataProtectionKeyRecord>> LoadAllAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync(
            "SELECT name, xml FROM data_protection_keys ORDER BY added_at, name",
            r => new DataProtectionKeyRecord(r.GetString(0), r.GetString(1)),
            cancellationToken).ConfigureAwait(false);

    public async Task<bool> AddAsync(DataProtectionKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await database.ExecuteAsync(
            "INSERT INTO data_protection_keys (name, xml, added_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
            cancellationToken,
            key.Name, key.Xml, UnixTime.ToMs(time.GetUtcNow())).ConfigureAwait(false) > 0;
    }
}
