using System.Net.Sockets;
using Herald.Core.Webhooks;
using Herald.Delivery.Auth;
using Herald.Delivery.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Delivery.Tests.Auth;

/// <summary>The token cache's error paths, against token endpoints made of raw sockets on 127.0.0.1.</summary>
public sealed class OAuthTokenCacheTests : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task GetTokenAsync_EndpointAnswers500_ThrowsNamingTheStatusAndFetchesAgainNextTime()
    {
        var calls = 0;
        await using var server = new RawHttpServer((socket, _, ct) => Interlocked.Increment(ref calls) == 1
            ? RawHttpServer.AnswerAsync(socket, 500, "{\"error\":\"down\"}", ct)
            : RawHttpServer.AnswerAsync(socket, 200, "{\"access_token\":\"t1\",\"expires_in\":3600}", ct));
        var cache = new OAuthTokenCache(_client, _clock);

        var error = await Assert.ThrowsAsync<TokenRequestException>(() => cache.GetTokenAsync("w1", Auth(server), CancellationToken.None));

        Assert.Contains("answered HTTP 500", error.Message, StringComparison.Ordinal);
        Assert.Equal("t1", await cache.GetTokenAsync("w1", Auth(server), CancellationToken.None));
    }

    [Fact]
    public async Task GetTokenAsync_InvalidJson_ThrowsNotJson()
    {
        await using var server = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, "{\"access_token\": nope", ct));

        var error = await Assert.ThrowsAsync<TokenRequestException>(() => new OAuthTokenCache(_client, _clock).GetTokenAsync("w1", Auth(server), CancellationToken.None));

        Assert.Contains("is not JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"token_type\":\"bearer\"}")]
    [InlineData("{\"access_token\":\"\"}")]
    [InlineData("{\"access_token\":null}")]
    public async Task GetTokenAsync_NoAccessToken_ThrowsNamingIt(string body)
    {
        await using var server = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, body, ct));

        var error = await Assert.ThrowsAsync<TokenRequestException>(() => new OAuthTokenCache(_client, _clock).GetTokenAsync("w1", Auth(server), CancellationToken.None));

        Assert.Contains("has no access_token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_EndpointNeverAnswers_EndsWhenTheAttemptIsCancelled()
    {
        await using var server = new RawHttpServer((_, _, ct) => Task.Delay(Timeout.Infinite, ct));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new OAuthTokenCache(_client, _clock).GetTokenAsync("w1", Auth(server), timeout.Token));
    }

    [Fact]
    public async Task GetTokenAsync_EndlessResponse_ThrowsAfterReadingAtMostTheLimit()
    {
        await using var server = new RawHttpServer(async (socket, _, ct) =>
        {
            await RawHttpServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            var chunk = "10000\r\n" + new string(' ', 0x10000) + "\r\n";
            while (!ct.IsCancellationRequested)
            {
                await RawHttpServer.SendAsync(socket, chunk, ct);
            }
        });

        var error = await Assert.ThrowsAsync<TokenRequestException>(() => new OAuthTokenCache(_client, _clock).GetTokenAsync("w1", Auth(server), CancellationToken.None));

        Assert.Contains("is larger than 64 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_ResponseBreaksOff_ThrowsTokenRequestException()
    {
        await using var server = new RawHttpServer(async (socket, _, ct) =>
        {
            await RawHttpServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n{\"access_token\":", ct);
            socket.Shutdown(SocketShutdown.Both);
        });

        var error = await Assert.ThrowsAsync<TokenRequestException>(() => new OAuthTokenCache(_client, _clock).GetTokenAsync("w1", Auth(server), CancellationToken.None));

        Assert.Contains("broke off", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_UntilShortlyBeforeExpiry_ReusesTheTokenThenFetchesANewOne()
    {
        var issued = 0;
        await using var server = new RawHttpServer((socket, _, ct) =>
            RawHttpServer.AnswerAsync(socket, 200, $"{{\"access_token\":\"t{Interlocked.Increment(ref issued)}\",\"expires_in\":60}}", ct));
        var cache = new OAuthTokenCache(_client, _clock);

        Assert.Equal("t1", await cache.GetTokenAsync("w1", Auth(server), CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(53));
        Assert.Equal("t1", await cache.GetTokenAsync("w1", Auth(server), CancellationToken.None));

        // A tenth of the 60 s lifetime early: at 54 s the token is refreshed.
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("t2", await cache.GetTokenAsync("w1", Auth(server), CancellationToken.None));
        Assert.Equal(2, cache.Fetches);
    }

    [Fact]
    public async Task Invalidate_TheRejectedToken_NextCallFetchesAgain()
    {
        var issued = 0;
        await using var server = new RawHttpServer((socket, _, ct) =>
            RawHttpServer.AnswerAsync(socket, 200, $"{{\"access_token\":\"t{Interlocked.Increment(ref issued)}\"}}", ct));
        var cache = new OAuthTokenCache(_client, _clock);
        var first = await cache.GetTokenAsync("w1", Auth(server), CancellationToken.None);

        cache.Invalidate("w1", Auth(server), "some-older-token");
        Assert.Equal(first, await cache.GetTokenAsync("w1", Auth(server), CancellationToken.None));
        cache.Invalidate("w1", Auth(server), first);

        Assert.Equal("t2", await cache.GetTokenAsync("w1", Auth(server), CancellationToken.None));
    }

    private static WebhookAuth Auth(RawHttpServer server) =>
        new() { Type = WebhookAuth.OAuth2, TokenUrl = server.Url("/token"), ClientId = "client", ClientSecret = "secret" };
}
