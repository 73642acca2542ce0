using System.Collections.Concurrent;
using System.Security.Claims;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Herald.Server.Tests.Outbound;

/// <summary>
/// Herald's oauth2 auth against a real, independently written authorization server (OpenIddict),
/// with a target that accepts only access tokens OpenIddict's own validation stack accepts.
/// </summary>
public sealed class OpenIddictInteropTests
{
    private static readonly string Event = Seeds.Read("blog-proxies-update.json");

    [Fact]
    public async Task ClientCredentials_ManyDeliveries_OneTokenIssuedAndAllDelivered()
    {
        await using var idp = await OpenIddictTokenServer.StartAsync();
        await using var target = await TestReceiver.StartAsync();
        var accepted = AcceptOnlyValidTokens(target, idp);
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = target.Url("/oidc"),
            auth = new { type = "oauth2", token_url = idp.TokenUrl, grant_type = "client_credentials", client_id = idp.ClientId, client_secret = idp.ClientSecret, scope = OpenIddictTokenServer.Scope },
        });

        await herald.Client.PublishAsync("[" + string.Join(",", Enumerable.Repeat(Event, 10)) + "]");

        await WaitForStatusAsync(herald, "succeeded", 10);
        var token = Assert.Single(idp.IssuedTokens);
        Assert.Equal(["basic"], idp.ClientAuthModes);
        Assert.Equal(10, target.Requests.Count);
        Assert.All(target.Requests, r => Assert.Equal("Bearer " + token, r.Header("Authorization")));
        Assert.Equal(10, accepted.Count);
        Assert.Null(await idp.ValidateAsync("Bearer " + Tamper(token)));
        Assert.All(accepted, p =>
        {
            Assert.Equal(idp.ClientId, p.GetClaim(Claims.Subject));
            Assert.Contains(OpenIddictTokenServer.Scope, p.GetScopes());
        });
    }

    [Fact]
    public async Task PasswordGrant_TokenIssuedForTheUser_Delivered()
    {
        await using var idp = await OpenIddictTokenServer.StartAsync("editor", "pa ss:w0rd");
        await using var target = await TestReceiver.StartAsync();
        var accepted = AcceptOnlyValidTokens(target, idp);
        await using var herald = await HeraldHost.StartAsync();
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = target.Url("/oidc"),
            auth = new { type = "oauth2", token_url = idp.TokenUrl, grant_type = "password", client_id = idp.ClientId, client_secret = idp.ClientSecret, username = "editor", password = "pa ss:w0rd" },
        });

        await herald.Client.PublishAsync(Event);

        await WaitForStatusAsync(herald, "succeeded", 1);
        var token = Assert.Single(idp.IssuedTokens);
        Assert.Equal(["basic"], idp.ClientAuthModes);
        Assert.Equal("Bearer " + token, Assert.Single(target.Requests).Header("Authorization"));
        Assert.Equal("editor", Assert.Single(accepted).GetClaim(Claims.Subject));
    }

    [Fact]
    public async Task TokenLifetimePasses_NewTokenFetchedBeforeTheNextDelivery()
    {
        await using var idp = await OpenIddictTokenServer.StartAsync();
        idp.AccessTokenLifetime = TimeSpan.FromSeconds(2);
        await using var target = await TestReceiver.StartAsync();
        AcceptOnlyValidTokens(target, idp);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var herald = await HeraldHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        await herald.Client.CreateWebhookAsync(new
        {
            event_type = "assets", url = target.Url("/oidc"),
            auth = new { type = "oauth2", token_url = idp.TokenUrl, grant_type = "client_credentials", client_id = idp.ClientId, client_secret = idp.ClientSecret },
        });
        await herald.Client.PublishAsync(Event);
        await WaitForStatusAsync(herald, "succeeded", 1);
        var first = Assert.Single(idp.IssuedTokens);
        idp.AccessTokenLifetime = TimeSpan.FromHours(1);

        // Wait until OpenIddict refuses the first token (sending it now would earn a 401), then
        // move Herald's clock past the token's lifetime: its cache lets the token go by its own
        // clock, whatever the machine's load made of the wall-clock delays in between.
        await Eventually.TrueAsync(async () => await idp.ValidateAsync("Bearer " + first) is null, what: "OpenIddict to refuse the first token");
        clock.Advance(TimeSpan.FromSeconds(2));
        await herald.Client.PublishAsync(Event);

        await WaitForStatusAsync(herald, "succeeded", 2);
        Assert.Equal(2, idp.IssuedTokens.Count);
        Assert.NotEqual(first, idp.IssuedTokens[1]);
        // Fetched ahead of sending, not after the target refused the expired one.
        Assert.Equal(["Bearer " + first, "Bearer " + idp.IssuedTokens[1]], target.Requests.Select(r => r.Header("Authorization")));
    }

    /// <summary>The target answers 200 only to a token OpenIddict validates, 401 otherwise; returns the accepted principals.</summary>
    private static ConcurrentQueue<ClaimsPrincipal> AcceptOnlyValidTokens(TestReceiver target, OpenIddictTokenServer idp)
    {
        var accepted = new ConcurrentQueue<ClaimsPrincipal>();
        target.RespondAsync = async r =>
        {
            if (await idp.ValidateAsync(r.Header("Authorization")) is not { } principal)
            {
                return 401;
            }

            accepted.Enqueue(principal);
            return 200;
        };
        return accepted;
    }

    /// <summary>The same token with one byte of its last segment (the JWE authentication tag) changed.</summary>
    private static string Tamper(string token)
    {
        var cut = token.LastIndexOf('.') + 1;
        return token[..cut] + (token[cut] == 'A' ? 'B' : 'A') + token[(cut + 1)..];
    }

    private static Task WaitForStatusAsync(HeraldHost herald, string status, int count) =>
        Eventually.TrueAsync(
            async () => (await herald.Client.GetAsync($"api/v1/deliveries?status={status}&limit=1000")).GetProperty("objects").GetArrayLength() >= count,
            what: $"{count} {status} deliveries");
}
