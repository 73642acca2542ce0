using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Herald.Server.Auth;

/// <summary>A signed-in admin UI session: its id, the key it was opened with (as a hash) and its CSRF token.</summary>
internal sealed record AdminSession(string Id, string KeyHash, string CsrfToken, DateTimeOffset CreatedAt, DateTimeOffset LastSeen);

/// <summary>
/// Admin UI sessions, carried by the cookie itself: the session (id, hash of the API key it was
/// opened with, CSRF token, opening and last-seen times) is encrypted and authenticated with Data
/// Protection, whose key ring lives in the database. So every node that shares the database reads
/// every node's cookies, and a load balancer may send each request anywhere; a restart keeps people
/// signed in. Every request resolves the key again through <see cref="ApiKeyAuthenticator"/>, so a
/// session is exactly as strong as its key and dies with it on every node. The idle clock slides by
/// re-issuing the cookie (at most once a <see cref="Refresh"/>); sign-out deletes the cookie and
/// remembers the session id on the node that signed out, so the old value replayed there is refused
/// (docs/admin-ui.md: another node accepts it until its idle timeout).
/// </summary>
internal sealed class AdminSessions(IDataProtectionProvider dataProtection, TimeProvider time)
{
    public const string CookieName = "herald_session";
    public const string CsrfHeader = "X-CSRF-Token";
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(2);
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    /// <summary>How stale the cookie's last-seen time may get before a request re-issues it.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);

    private const string Version = "s1";
    private const int MaxCookieLength = 2048;
    private const int MaxClosed = 100_000;

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Herald.AdminSession.v1");
    private readonly ConcurrentDictionary<string, DateTimeOffset> _closed = new(StringComparer.Ordinal);

    /// <summary>Opens a session for a key already authenticated; returns the cookie value and the session.</summary>
    public (string Cookie, AdminSession Session) Open(string key)
    {
        var now = time.GetUtcNow();
        var session = new AdminSession(Token(16), ApiKeys.Hash(key), Token(32), now, now);
        return (Seal(session), session);
    }

    /// <summary>The live session a cookie value carries; null when forged, tampered, expired or signed out here.</summary>
    public AdminSession? Find(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie) || cookie.Length > MaxCookieLength)
        {
            return null;
        }

        var session = Unseal(cookie);
        if (session is null || Expired(session, time.GetUtcNow()) || _closed.ContainsKey(session.Id))
        {
            return null;
        }

        return session;
    }

    /// <summary>A new cookie value with the idle clock restarted, when the presented one is older than <see cref="Refresh"/>.</summary>
    public string? Renew(AdminSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var now = time.GetUtcNow();
        return now - session.LastSeen >= Refresh ? Seal(session with { LastSeen = now }) : null;
    }

    /// <summary>Signs a session out: its cookie value is refused by this node from now on.</summary>
    public void Close(string? cookie)
    {
        if (Find(cookie) is not { } session)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_closed.Count >= MaxClosed)
        {
            Sweep(now);
        }

        _closed[session.Id] = session.CreatedAt + Lifetime;
    }

    /// <summary>The cookie's attributes: HTTP-only, SameSite=Strict, Secure over HTTPS, a browser session cookie.</summary>
    public static CookieOptions CookieOptions(HttpRequest request) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = "/",
        IsEssential = true,
    };

    /// <summary>Compares in constant time, so the token cannot be guessed byte by byte.</summary>
    public static bool CsrfMatches(AdminSession session, string? presented) =>
        presented is { Length: > 0 }
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(session.CsrfToken), Encoding.UTF8.GetBytes(presented));

    private static bool Expired(AdminSession session, DateTimeOffset now) =>
        now - session.LastSeen > IdleTimeout || now - session.CreatedAt > Lifetime;

    private string Seal(AdminSession session)
    {
        var text = string.Join(
            '|',
            Version,
            session.Id,
            session.KeyHash,
            session.CsrfToken,
            session.CreatedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            session.LastSeen.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        return Base64Url.EncodeToString(_protector.Protect(Encoding.UTF8.GetBytes(text)));
    }

    private AdminSession? Unseal(string cookie)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(_protector.Unprotect(Base64Url.DecodeFromChars(cookie)));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            // Not ours, tampered with, or sealed with a key this ring does not hold.
            return null;
        }

        var parts = text.Split('|');
        if (parts.Length != 6 || parts[0] != Version
            || !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var created)
            || !long.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var seen))
        {
            return null;
        }

        return new AdminSession(parts[1], parts[2], parts[3], DateTimeOffset.FromUnixTimeMilliseconds(created), DateTimeOffset.FromUnixTimeMilliseconds(seen));
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (id, until) in _closed)
        {
            if (until < now)
            {
                _closed.TryRemove(id, out _);
            }
        }

        if (_closed.Count >= MaxClosed)
        {
            // Still full of live signed-out sessions: the ones closest to their end anyway make room.
            foreach (var (id, _) in _closed.OrderBy(p => p.Value).Take(MaxClosed / 10))
            {
                _closed.TryRemove(id, out _);
            }
        }
    }

    private static string Token(int bytes) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));
}
