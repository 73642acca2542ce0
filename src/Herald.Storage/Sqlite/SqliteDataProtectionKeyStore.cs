namespace Herald.Storage.Sqlite;

/// <summary>The Data Protection key ring in <c>data_protection_keys</c>.</summary>
internal sealed class SqliteDataProtectionKeyStore(SqliteDatabase database, SqliteWriter writer, TimeProvider time) : IDataProtectionKeyStore
{
    public Task<IReadOnlyList<DataProtectionKeyRecord>> LoadAllAsync(CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query("SELECT name, xml FROM data_protection_keys ORDER BY added_at, name");
        var keys = new List<DataProtectionKeyRecord>();
        while (reader.Read())
        {
            keys.Add(new DataProtectionKeyRecord(reader.GetString(0), reader.GetString(1)));
        }

        return Task.FromResult<IReadOnlyList<DataProtectionKeyRecord>>(keys);
    }

    public Task<bool> AddAsync(DataProtectionKeyRecord key, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(
            session => session.Execute(
                "INSERT INTO data_protection_keys (name, xml, added_at) VALUES ($0, $1, $2) ON CONFLICT (name) DO NOTHING",
                key.Name, key.Xml, UnixTime.ToMs(time.GetUtcNow())) > 0,
            cancellationToken);
}
