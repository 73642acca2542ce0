using System.Text;
using Herald.Core.Webhooks;

namespace Herald.Delivery.Auth;

/// <summary>The <c>Authorization</c> value a webhook's auth settings call for.</summary>
public sealed class OutboundAuthenticator(OAuthTokenCache tokens)
{
    public OAuthTokenCache Tokens => tokens;

    /// <summary>Null when the webhook sends no credentials.</summary>
    public async ValueTask<string?> AuthorizationAsync(Webhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return webhook.Auth switch
        {
            null => null,
            { Type: WebhookAuth.Basic } a => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{a.Username}:{a.Password}")),
            { Type: WebhookAuth.Bearer } a => "Bearer " + a.Token,
            { Type: WebhookAuth.OAuth2 } a => "Bearer " + await tokens.GetTokenAsync(webhook.Id, a, cancellationToken),
            _ => null,
        };
    }
}
