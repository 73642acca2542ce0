using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Server.Auth;

/// <summary>A signed-in admin UI session: the key it was opened with (as a hash) and its CSRF token.</summary>
internal sealed record AdminSession(string KeyHash, string CsrfToken, DateTimeOffset CreatedAt, DateTimeOffset LastSeen);

/// <summary>
/// Admin UI sessions, held in memory: the cookie carries a random id, the server keeps its hash,
/// the hash of the API key it was opened with and a CSRF token. Every request resolves the key
/// again through <see cref="ApiKeyAuthenticator"/>, so a session is exactly as strong as its key and
/// dies with it. A restart signs everyone out, which is the safe direction.
/// </summary>
internal sealed class AdminSessions(TimeProvider time)
{
    public const string CookieName = "herald_session";
    public const string CsrfHeader = "X-CSRF-Token";
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(2);
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, AdminSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>Opens a session for a key already authenticated; returns the cookie value and the session.</summary>
    public (string Cookie, AdminSession Session) Open(string key)
    {
        var now = time.GetUtcNow();
        if (_sessions.Count >= MaxSessions)
        {
            Sweep(now);
        }

        var cookie = Token();
        var session = new AdminSession(ApiKeys.Hash(key), Token(), now, now);
        _sessions[Hash(cookie)] = session;
        return (cookie, session);
    }

    /// <summary>The live session for a cookie value, its idle clock restarted; null when unknown or expired.</summary>
    public AdminSession? Find(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie) || cookie.Length > 100)
        {
            return null;
        }

        var id = Hash(cookie);
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (Expired(session, now))
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        var seen = session with { LastSeen = now };
        _sessions.TryUpdate(id, seen, session);
        return seen;
    }

    public void Close(string? cookie)
    {
        if (!string.IsNullOrEmpty(cookie))
        {
            _sessions.TryRemove(Hash(cookie), out _);
        }
    }

    /// <summary>Compares in constant time, so the token cannot be guessed byte by byte.</summary>
    public static bool CsrfMatches(AdminSession session, string? presented) =>
        presented is { Length: > 0 }
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(session.CsrfToken), Encoding.UTF8.GetBytes(presented));

    private static bool Expired(AdminSession session, DateTimeOffset now) =>
        now - session.LastSeen > IdleTimeout || now - session.CreatedAt > Lifetime;

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (id, session) in _sessions)
        {
            if (Expired(session, now))
            {
                _sessions.TryRemove(id, out _);
            }
        }

        if (_sessions.Count >= MaxSessions)
        {
            // Still full of live sessions: the oldest make room.
            foreach (var (id, _) in _sessions.OrderBy(p => p.Value.LastSeen).Take(MaxSessions / 10))
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private static string Token() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
