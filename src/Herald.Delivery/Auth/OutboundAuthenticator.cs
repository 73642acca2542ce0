using System.Runtime.CompilerServices;
using System.Text;
using Herald.Core.Webhooks;

namespace Herald.Delivery.Auth;

/// <summary>The <c>Authorization</c> value a webhook's auth settings call for.</summary>
public sealed class OutboundAuthenticator(OAuthTokenCache tokens)
{
    /// <summary>
    /// Per auth settings object (a new one whenever a webhook's auth is edited): the Basic or Bearer
    /// header value, built once; for OAuth2, the header of the token last handed out.
    /// </summary>
    private static readonly ConditionalWeakTable<WebhookAuth, HeaderCache> Headers = [];

    public OAuthTokenCache Tokens => tokens;

    /// <summary>Null when the webhook sends no credentials.</summary>
    public ValueTask<string?> AuthorizationAsync(Webhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        if (webhook.Auth is not { } auth)
        {
            return ValueTask.FromResult<string?>(null);
        }

        var cache = Headers.GetValue(auth, static a => new HeaderCache(Static(a)));
        if (auth.Type != WebhookAuth.OAuth2)
        {
            return ValueTask.FromResult(cache.Static);
        }

        return OAuthAsync(webhook.Id, auth, cache, cancellationToken);
    }

    private async ValueTask<string?> OAuthAsync(string webhookId, WebhookAuth auth, HeaderCache cache, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(webhookId, auth, cancellationToken);
        var last = Volatile.Read(ref cache.Token);
        if (last is not null && ReferenceEquals(last.Token, token))
        {
            return last.Header;
        }

        var header = "Bearer " + token;
        Volatile.Write(ref cache.Token, new TokenHeader(token, header));
        return header;
    }

    private static string? Static(WebhookAuth auth) => auth switch
    {
        { Type: WebhookAuth.Basic } a => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{a.Username}:{a.Password}")),
        { Type: WebhookAuth.Bearer } a => "Bearer " + a.Token,
        _ => null,
    };

    private sealed class HeaderCache(string? value)
    {
        public readonly string? Static = value;
        public TokenHeader? Token;
    }

    private sealed record TokenHeader(string Token, string Header);
}
