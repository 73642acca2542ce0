using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// A real OpenIddict authorization server on Kestrel (degraded mode: no database, one client and
/// at most one user checked by its own handlers, ephemeral keys) issuing encrypted JWT access
/// tokens for the client_credentials and password grants, plus OpenIddict's own validation
/// stack pointed at it, so a test receiver can accept exactly the tokens this server issued.
/// </summary>
public sealed class OpenIddictTokenServer : IAsyncDisposable
{
    public const string Scope = "hooks";

    private static readonly Uri Issuer = new("https://idp.herald.test/", UriKind.Absolute);

    private readonly ConcurrentQueue<string> _issued = new();
    private readonly ConcurrentQueue<string> _clientAuthModes = new();
    private WebApplication _app = null!;

    private OpenIddictTokenServer()
    {
    }

    public string ClientId { get; init; } = "herald";

    /// <summary>With the characters RFC 6749 §2.3.1 makes clients form-encode in a Basic header.</summary>
    public string ClientSecret { get; init; } = "s3cret:with/special+chars %";

    /// <summary>The resource owner for the password grant; null refuses that grant.</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>Lifetime of the access tokens issued from now on (set per token on the principal).</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public string TokenUrl { get; private set; } = string.Empty;

    /// <summary>Every access token the server answered a token request with, in order.</summary>
    public IReadOnlyList<string> IssuedTokens => _issued.ToArray();

    /// <summary>Every token request, as "basic" (client_secret_basic) or "body" (client_secret_post).</summary>
    public IReadOnlyList<string> ClientAuthModes => _clientAuthModes.ToArray();

    public static async Task<OpenIddictTokenServer> StartAsync(string? username = null, string? password = null)
    {
        var server = new OpenIddictTokenServer { Username = username, Password = password };
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        builder.Services.AddOpenIddict()
            .AddServer(options =>
            {
                options.SetIssuer(Issuer)
                    .SetTokenEndpointUris("connect/token")
                    .AllowClientCredentialsFlow()
                    .AllowPasswordFlow()
                    .RegisterScopes(Scope)
                    // Ephemeral keys of this server only, never stored. Not AddEphemeral*Key(): those
                    // generate two 2048-bit RSA keys, which took ~8 s on a busy 2-core machine;
                    // a P-256 key and a random AES key take milliseconds.
                    .AddEncryptionKey(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)))
                    .AddSigningKey(new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)))
                    .EnableDegradedMode();
                options.UseAspNetCore().DisableTransportSecurityRequirement();
                options.AddEventHandler<ValidateTokenRequestContext>(handler => handler.UseInlineHandler(server.ValidateTokenRequest));
                options.AddEventHandler<HandleTokenRequestContext>(handler => handler.UseInlineHandler(server.HandleTokenRequest));
                options.AddEventHandler<ApplyTokenResponseContext>(handler => handler.UseInlineHandler(server.RecordTokenResponse));
            })
            .AddValidation(options => options.UseLocalServer());

        server._app = builder.Build();
        server._app.UseAuthentication();
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.TokenUrl = address.TrimEnd('/') + "/connect/token";
        return server;
    }

    /// <summary>
    /// Validates "Bearer &lt;token&gt;" with OpenIddict's validation stack (signature, encryption,
    /// issuer, token type, expiry): the principal when the token is valid, null otherwise.
    /// </summary>
    public async Task<ClaimsPrincipal?> ValidateAsync(string authorization)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        await using var scope = _app.Services.CreateAsyncScope();
        var validation = scope.ServiceProvider.GetRequiredService<OpenIddictValidationService>();
        try
        {
            return await validation.ValidateAccessTokenAsync(authorization["Bearer ".Length..]);
        }
        catch (OpenIddictExceptions.ProtocolException)
        {
            return null; // invalid_token: malformed, tampered, expired, wrong issuer or type
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private ValueTask ValidateTokenRequest(ValidateTokenRequestContext context)
    {
        // OpenIddict's ASP.NET Core host has already moved client_secret_basic credentials from the
        // Authorization header into the request; record which way the client sent them.
        var header = context.Transaction.GetHttpRequest()?.Headers.Authorization.ToString() ?? string.Empty;
        _clientAuthModes.Enqueue(header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? "basic" : "body");

        if (context.ClientId != ClientId || context.Request.ClientSecret != ClientSecret)
        {
            context.Reject(Errors.InvalidClient, "The client credentials are invalid.");
        }
        else if (context.Request.IsPasswordGrantType()
            && (Username is null || context.Request.Username != Username || context.Request.Password != Password))
        {
            context.Reject(Errors.InvalidGrant, "The username/password couple is invalid.");
        }

        return default;
    }

    private ValueTask HandleTokenRequest(HandleTokenRequestContext context)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, context.Request.IsPasswordGrantType() ? context.Request.Username : context.Request.ClientId);
        identity.SetScopes(context.Request.GetScopes());
        identity.SetAccessTokenLifetime(AccessTokenLifetime);
        context.SignIn(new ClaimsPrincipal(identity));
        return default;
    }

    private ValueTask RecordTokenResponse(ApplyTokenResponseContext context)
    {
        if (context.Response.AccessToken is { Length: > 0 } token)
        {
            _issued.Enqueue(token);
        }

        return default;
    }
}
