namespace Herald.Storage;

/// <summary>An API key as stored: only its SHA-256 hash, never the key.</summary>
public sealed record ApiKeyRecord(string Id, string? Name, string? DomainId, bool IsAdmin, string KeyHash, DateTimeOffset CreatedAt);

public interface IApiKeyStore
{
    Task<IReadOnlyList<ApiKeyRecord>> LoadAllAsync(CancellationToken cancellationToken);

    Task InsertAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);
}
