using System.Collections.Frozen;
using Herald.Storage;

namespace Herald.Server.Auth;

/// <summary>
/// Resolves bearer keys to callers from an in-memory map of key hashes, refreshed on every key
/// change, so authenticating a request costs one SHA-256 and one lookup.
/// </summary>
internal sealed partial class ApiKeyAuthenticator
{
    private readonly IApiKeyStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile FrozenDictionary<string, Caller> _byHash = FrozenDictionary<string, Caller>.Empty;
    private string? _configuredAdminHash;

    /// <summary>Reloads the keys on every key change notice of the store, whoever wrote (this node or another).</summary>
    public ApiKeyAuthenticator(IApiKeyStore store, IStoreChanges changes, TimeProvider time, ILogger<ApiKeyAuthenticator> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        changes.Subscribe(StoreChangeKind.ApiKeys, (_, ct) => new ValueTask(RefreshAsync(ct)));
    }

    public Caller? Authenticate(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        return AuthenticateHash(ApiKeys.Hash(key));
    }

    /// <summary>The caller of a key known by its hash (an admin UI session keeps only the hash).</summary>
    public Caller? AuthenticateHash(string hash)
    {
        if (_configuredAdminHash is not null && string.Equals(hash, _configuredAdminHash, StringComparison.Ordinal))
        {
            return new Caller("admin", IsAdmin: true, DomainId: null);
        }

        return _byHash.GetValueOrDefault(hash);
    }

    /// <summary>
    /// Sets up the admin key: the configured one if any; otherwise a stored one; otherwise a new one,
    /// printed once to the console and stored only as a hash.
    /// </summary>
    public async Task InitializeAsync(string? configuredAdminKey, CancellationToken cancellationToken)
    {
        _configuredAdminHash = string.IsNullOrEmpty(configuredAdminKey) ? null : ApiKeys.Hash(configuredAdminKey);
        var keys = await _store.LoadAllAsync(cancellationToken);
        if (_configuredAdminHash is null && !keys.Any(k => k.IsAdmin))
        {
            var key = ApiKeys.Generate();
            await _store.InsertAsync(new ApiKeyRecord(Guid.CreateVersion7().ToString(), "admin", null, IsAdmin: true, ApiKeys.Hash(key), _time.GetUtcNow()), cancellationToken);
#pragma warning disable CA1303 // The one-time key print is meant for the console, not the log pipeline.
            Console.WriteLine($"Herald generated an admin API key (shown only this once; store it now): {key}");
#pragma warning restore CA1303
            Log.AdminKeyGenerated(_logger);
        }

        await RefreshAsync(cancellationToken);
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var keys = await _store.LoadAllAsync(cancellationToken);
        _byHash = keys.ToFrozenDictionary(k => k.KeyHash, k => new Caller(k.Id, k.IsAdmin, k.DomainId), StringComparer.Ordinal);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "No admin key was configured; a new one was generated and printed to the console once")]
        public static partial void AdminKeyGenerated(ILogger logger);
    }
}
