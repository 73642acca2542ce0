namespace Herald.Storage.Sqlite;

internal sealed class SqliteApiKeyStore(SqliteDatabase database, SqliteWriter writer, SqliteStoreChanges changes) : IApiKeyStore
{
    public Task<IReadOnlyList<ApiKeyRecord>> LoadAllAsync(CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var session = new SqliteSession(connection);
        using var reader = session.Query("SELECT id, name, domain_id, is_admin, key_hash, created_at FROM api_keys ORDER BY id");
        var keys = new List<ApiKeyRecord>();
        while (reader.Read())
        {
            keys.Add(new ApiKeyRecord(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt64(3) != 0,
                reader.GetString(4),
                UnixTime.FromMs(reader.GetInt64(5))));
        }

        return Task.FromResult<IReadOnlyList<ApiKeyRecord>>(keys);
    }

    public Task InsertAsync(ApiKeyRecord key, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(
            session => session.Execute(
                "INSERT INTO api_keys (id, name, domain_id, is_admin, key_hash, created_at) VALUES ($0, $1, $2, $3, $4, $5)",
                key.Id, key.Name, key.DomainId, key.IsAdmin ? 1 : 0, key.KeyHash, UnixTime.ToMs(key.CreatedAt)),
            cancellationToken),
        _ => new StoreChange(StoreChangeKind.ApiKeys, key.Id));

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) => changes.AfterAsync(
        writer.ExecuteAsync(session => session.Execute("DELETE FROM api_keys WHERE id = $0", id) > 0, cancellationToken),
        deleted => deleted ? new StoreChange(StoreChangeKind.ApiKeys, id) : null);
}
