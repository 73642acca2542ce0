using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// A minimal OAuth2 token endpoint (RFC 6749 §4.4 client credentials and §4.3 password grants) on
/// real Kestrel: it issues numbered, expiring bearer tokens and can revoke them.
/// </summary>
public sealed class TestTokenServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new();
    private int _issued;

    private TestTokenServer(WebApplication app) => _app = app;

    public string ClientId { get; init; } = "herald";

    public string ClientSecret { get; init; } = "s3cret";

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>When true, client credentials in a Basic header are refused (body only).</summary>
    public bool RejectBasicAuth { get; set; }

    public int ExpiresInSeconds { get; set; } = 3600;

    public string TokenUrl { get; private set; } = string.Empty;

    /// <summary>Token requests answered with a token.</summary>
    public int Issued => _issued;

    /// <summary>Every token request, as "basic" or "body" client authentication.</summary>
    public ConcurrentQueue<string> ClientAuthModes { get; } = new();

    public static async Task<TestTokenServer> StartAsync(string? username = null, string? password = null)
    {
        var app = LoopbackApp.Create();
        var server = new TestTokenServer(app) { Username = username, Password = password };
        app.MapPost("/token", (Delegate)server.IssueAsync);
        server.TokenUrl = await LoopbackApp.StartAsync(app) + "/token";
        return server;
    }

    /// <summary>True when <paramref name="authorization"/> is "Bearer &lt;a live token&gt;".</summary>
    public bool Accepts(string authorization) =>
        authorization.StartsWith("Bearer ", StringComparison.Ordinal)
        && _tokens.TryGetValue(authorization["Bearer ".Length..], out var expires)
        && expires > DateTimeOffset.UtcNow;

    public void RevokeAll() => _tokens.Clear();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> IssueAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        string? id = form["client_id"];
        string? secret = form["client_secret"];
        var mode = "body";
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            mode = "basic";
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
            id = Uri.UnescapeDataString(pair[0]);
            secret = Uri.UnescapeDataString(pair[1]);
        }

        ClientAuthModes.Enqueue(mode);
        if ((mode == "basic" && RejectBasicAuth) || id != ClientId || secret != ClientSecret)
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: 401);
        }

        var grant = form["grant_type"].ToString();
        var grantOk = grant switch
        {
            "client_credentials" => Username is null,
            "password" => Username is not null && form["username"] == Username && form["password"] == Password,
            _ => false,
        };
        if (!grantOk)
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        var token = $"tok-{Interlocked.Increment(ref _issued)}";
        _tokens[token] = DateTimeOffset.UtcNow.AddSeconds(ExpiresInSeconds);
        return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = ExpiresInSeconds });
    }
}
