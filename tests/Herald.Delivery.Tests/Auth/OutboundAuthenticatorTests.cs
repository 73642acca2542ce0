using System.Text;
using Herald.Core.Webhooks;
using Herald.Delivery.Auth;

namespace Herald.Delivery.Tests.Auth;

public sealed class OutboundAuthenticatorTests : IDisposable
{
    private readonly HttpClient _client = new();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task AuthorizationAsync_SameDefinition_SameValueEachTime()
    {
        var authenticator = new OutboundAuthenticator(new OAuthTokenCache(_client, TimeProvider.System));
        var webhook = Hook(new WebhookAuth { Type = WebhookAuth.Basic, Username = "ann", Password = "pä:ss" });

        var first = await authenticator.AuthorizationAsync(webhook, CancellationToken.None);
        var second = await authenticator.AuthorizationAsync(webhook, CancellationToken.None);

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ann:pä:ss")), first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task AuthorizationAsync_EditedCredentials_NewValueAtOnce()
    {
        var authenticator = new OutboundAuthenticator(new OAuthTokenCache(_client, TimeProvider.System));
        var webhook = Hook(new WebhookAuth { Type = WebhookAuth.Basic, Username = "ann", Password = "one" });
        await authenticator.AuthorizationAsync(webhook, CancellationToken.None);

        var password = await authenticator.AuthorizationAsync(webhook with { Auth = webhook.Auth! with { Password = "two" } }, CancellationToken.None);
        var bearer = await authenticator.AuthorizationAsync(webhook with { Auth = new WebhookAuth { Type = WebhookAuth.Bearer, Token = "t-1" } }, CancellationToken.None);
        var none = await authenticator.AuthorizationAsync(webhook with { Auth = null }, CancellationToken.None);

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ann:two")), password);
        Assert.Equal("Bearer t-1", bearer);
        Assert.Null(none);
    }

    private static Webhook Hook(WebhookAuth auth) => new() { Id = "w1", Url = "https://example.com/hook", EventType = "assets", Auth = auth };
}
