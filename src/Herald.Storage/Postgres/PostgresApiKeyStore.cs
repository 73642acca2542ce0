using Herald.Storage.Sqlite;

namespace Herald.Storage.Postgres;

internal sealed class PostgresApiKeyStore(PostgresDatabase database, PostgresStoreChanges changes) : IApiKeyStore
{
    public async Task<IReadOnlyList<ApiKeyRecord>> LoadAllAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync(
            "SELECT id, name, domain_id, is_admin, key_hash, created_at FROM api_keys ORDER BY id",
            reader => new ApiKeyRecord(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt32(3) != 0,
                reader.GetString(4),
                UnixTime.FromMs(reader.GetInt64(5))),
            cancellationToken).ConfigureAwait(false);

    public Task InsertAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return changes.AfterAsync(
            database.ExecuteAsync(
                $"""
                WITH inserted AS (
                    INSERT INTO api_keys (id, name, domain_id, is_admin, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id)
                SELECT pg_notify('{changes.Channel}', $7) FROM inserted
                """,
                cancellationToken,
                key.Id, key.Name, key.DomainId, key.IsAdmin ? 1 : 0, key.KeyHash, UnixTime.ToMs(key.CreatedAt), changes.Payload(StoreChangeKind.ApiKeys, key.Id)),
            _ => new StoreChange(StoreChangeKind.ApiKeys, key.Id));
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) => changes.AfterAsync(
        DeleteRowAsync(id, cancellationToken),
        deleted => deleted ? new StoreChange(StoreChangeKind.ApiKeys, id) : null);

    private async Task<bool> DeleteRowAsync(string id, CancellationToken cancellationToken)
    {
        // The notice is sent only when a row went, in the delete's own statement (so its transaction).
        var deleted = await database.QueryAsync(
            $"""
            WITH deleted AS (DELETE FROM api_keys WHERE id = $1 RETURNING id)
            SELECT pg_notify('{changes.Channel}', $2) FROM deleted
            """,
            _ => true,
            cancellationToken,
            id, changes.Payload(StoreChangeKind.ApiKeys, id)).ConfigureAwait(false);
        return deleted.Count > 0;
    }
}
