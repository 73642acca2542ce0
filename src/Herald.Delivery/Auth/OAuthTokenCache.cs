using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Herald.Core.Webhooks;
using Herald.Delivery.Security;

namespace Herald.Delivery.Auth;

/// <summary>
/// OAuth2 access tokens per webhook, fetched once and shared by every delivery until shortly
/// before they expire (or until the target answers 401). One fetch at a time per webhook, so a
/// burst of deliveries causes one token request, not hundreds.
/// </summary>
public sealed class OAuthTokenCache(HttpClient client, TimeProvider time)
{
    /// <summary>The most of a token response that is read.</summary>
    public const int MaxResponseBytes = 64 * 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A valid access token for the webhook, fetching one when none is cached.</summary>
    public async Task<string> GetTokenAsync(string webhookId, WebhookAuth auth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auth);
        var entry = _entries.GetOrAdd(Key(webhookId, auth), _ => new Entry());
        if (entry.Token is { } cached && cached.ValidUntil > time.GetUtcNow())
        {
            return cached.Value;
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Token is { } fresh && fresh.ValidUntil > time.GetUtcNow())
            {
                return fresh.Value;
            }

            entry.Token = await FetchAsync(auth, entry, cancellationToken);
            return entry.Token.Value;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Forgets a token the target refused, so the next call fetches a new one.</summary>
    public void Invalidate(string webhookId, WebhookAuth auth, string rejectedToken)
    {
        ArgumentNullException.ThrowIfNull(auth);
        if (_entries.TryGetValue(Key(webhookId, auth), out var entry) && entry.Token?.Value == rejectedToken)
        {
            entry.Token = null;
        }
    }

    /// <summary>How many token requests were made (for tests and metrics).</summary>
    public int Fetches => _fetches;

    private int _fetches;

    private async Task<CachedToken> FetchAsync(WebhookAuth auth, Entry entry, CancellationToken cancellationToken)
    {
        // client_secret_basic first (RFC 6749 §2.3.1 says servers must support it); a server that
        // refuses it with 400/401 gets the credentials in the form body, and that choice is kept.
        using (var response = await RequestAsync(auth, inBody: entry.CredentialsInBody, cancellationToken))
        {
            if (entry.CredentialsInBody || response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest))
            {
                return await ReadAsync(auth, response, cancellationToken);
            }
        }

        using var retry = await RequestAsync(auth, inBody: true, cancellationToken);
        var token = await ReadAsync(auth, retry, cancellationToken);
        entry.CredentialsInBody = true;
        return token;
    }

    private async Task<HttpResponseMessage> RequestAsync(WebhookAuth auth, bool inBody, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        var form = new List<KeyValuePair<string, string>> { new("grant_type", auth.GrantType ?? WebhookAuth.ClientCredentials) };
        if (auth.GrantType == WebhookAuth.PasswordGrant)
        {
            form.Add(new("username", auth.Username ?? string.Empty));
            form.Add(new("password", auth.Password ?? string.Empty));
        }

        if (!string.IsNullOrEmpty(auth.Scope))
        {
            form.Add(new("scope", auth.Scope));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, auth.TokenUrl);
        if (inBody)
        {
            form.Add(new("client_id", auth.ClientId ?? string.Empty));
            form.Add(new("client_secret", auth.ClientSecret ?? string.Empty));
        }
        else
        {
            var pair = $"{Uri.EscapeDataString(auth.ClientId ?? string.Empty)}:{Uri.EscapeDataString(auth.ClientSecret ?? string.Empty)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }

        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new TokenRequestException($"oauth2 token request to {UrlRedaction.WithoutUserInfo(auth.TokenUrl)} failed: {ex.Message}", ex);
        }
    }

    private async Task<CachedToken> ReadAsync(WebhookAuth auth, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(auth, response, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = text.Length > 200 ? text[..200] : text;
            throw new TokenRequestException($"oauth2 token request to {UrlRedaction.WithoutUserInfo(auth.TokenUrl)} answered HTTP {(int)response.StatusCode}: {detail}");
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            // Kind checks first: JsonElement's accessors throw on a value of another kind.
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("access_token", out var token)
                || token.ValueKind != JsonValueKind.String || token.GetString() is not { Length: > 0 } value)
            {
                throw new TokenRequestException($"oauth2 token response from {UrlRedaction.WithoutUserInfo(auth.TokenUrl)} has no access_token");
            }

            // Refresh a little early: 30 s or a tenth of the lifetime, whichever is shorter.
            var validUntil = DateTimeOffset.MaxValue;
            if (root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt32(out var seconds) && seconds > 0)
            {
                var lifetime = TimeSpan.FromSeconds(seconds);
                var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, lifetime.Ticks / 10));
                validUntil = time.GetUtcNow() + lifetime - margin;
            }

            return new CachedToken(value, validUntil);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: an access_token that is not valid UTF-8.
            throw new TokenRequestException($"oauth2 token response from {UrlRedaction.WithoutUserInfo(auth.TokenUrl)} is not JSON");
        }
    }

    /// <summary>
    /// The token response's text, at most <see cref="MaxResponseBytes"/>: a token endpoint is a
    /// receiver-controlled server too, and one that breaks off or never stops must end the attempt
    /// with an error, not hold memory or escape as an exception.
    /// </summary>
    private static async Task<string> ReadTextAsync(WebhookAuth auth, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxResponseBytes + 1];
        var filled = 0;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using (stream.ConfigureAwait(false))
            {
                int read;
                while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
                {
                    filled += read;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new TokenRequestException($"oauth2 token request to {UrlRedaction.WithoutUserInfo(auth.TokenUrl)} failed: the response broke off ({ex.Message})", ex);
        }

        if (filled > MaxResponseBytes)
        {
            throw new TokenRequestException($"oauth2 token response from {UrlRedaction.WithoutUserInfo(auth.TokenUrl)} is larger than {MaxResponseBytes / 1024} KiB");
        }

        return Encoding.UTF8.GetString(buffer, 0, filled);
    }

    // A changed token_url, client or credential must not reuse a token fetched for the old ones.
    private static string Key(string webhookId, WebhookAuth auth) =>
        $"{webhookId}\n{auth.TokenUrl}\n{auth.GrantType}\n{auth.ClientId}\n{auth.Username}\n{auth.Scope}\n{(auth.ClientSecret + auth.Password).GetHashCode(StringComparison.Ordinal)}";

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile CachedToken? Token;

        public bool CredentialsInBody { get; set; }
    }

    private sealed record CachedToken(string Value, DateTimeOffset ValidUntil);
}

/// <summary>The token endpoint failed; recorded as the attempt's error.</summary>
public sealed class TokenRequestException(string message, Exception? inner = null) : Exception(message, inner);
