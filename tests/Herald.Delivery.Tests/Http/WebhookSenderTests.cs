using System.Net.Sockets;
using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Auth;
using Herald.Delivery.Http;
using Herald.Delivery.Payload;
using Herald.Delivery.Tests.Infrastructure;
using Herald.Storage;

namespace Herald.Delivery.Tests.Http;

/// <summary>
/// Every way a receiver can end an attempt comes back as a result — never as an exception, which
/// would leave the delivery leased and uncounted. Real sockets on 127.0.0.1 give the answers.
/// </summary>
public sealed class WebhookSenderTests : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task SendAsync_ClosedMidBody_FailedAttemptKeepsTheStatus()
    {
        await using var server = new RawHttpServer(async (socket, _, ct) =>
        {
            await RawHttpServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + new string('a', 100), ct);
            socket.Shutdown(SocketShutdown.Both);
        });

        var result = await SendAsync(server.Url("/closed"));

        Assert.False(result.Succeeded);
        Assert.Equal(200, result.StatusCode);
        Assert.StartsWith("HTTP 200, then the response broke off", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ResetMidBody_FailedAttempt()
    {
        await using var server = new RawHttpServer(async (socket, _, ct) =>
        {
            await RawHttpServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + new string('a', 100), ct);
            await Task.Delay(50, ct);
            RawHttpServer.Reset(socket);
        });

        var result = await SendAsync(server.Url("/reset"));

        Assert.False(result.Succeeded);
        Assert.Equal(200, result.StatusCode);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public async Task SendAsync_BrokenChunkedFraming_FailedAttempt()
    {
        await using var server = new RawHttpServer((socket, _, ct) =>
            RawHttpServer.SendAsync(socket, "HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", ct));

        var result = await SendAsync(server.Url("/chunked"));

        Assert.False(result.Succeeded);
        Assert.Equal(500, result.StatusCode);
        Assert.Contains("broke off", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ResetBeforeAnswering_FailedAttemptWithoutStatus()
    {
        await using var server = new RawHttpServer((socket, _, _) =>
        {
            RawHttpServer.Reset(socket);
            return Task.CompletedTask;
        });

        var result = await SendAsync(server.Url("/rst"));

        Assert.False(result.Succeeded);
        Assert.Null(result.StatusCode);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public async Task SendAsync_HugeBody_KeepsOnlyTheFirstFourKiB()
    {
        await using var server = new RawHttpServer(async (socket, _, ct) =>
        {
            await RawHttpServer.SendAsync(socket, $"HTTP/1.1 500 Big\r\nContent-Length: {64L << 20}\r\n\r\n", ct);
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'x');
            for (var i = 0; i < 1024; i++)
            {
                await socket.SendAsync(chunk, SocketFlags.None, ct);
            }
        });

        var result = await SendAsync(server.Url("/big"));

        Assert.Equal(500, result.StatusCode);
        Assert.Equal(WebhookSender.ResponseBodyLimit, result.ResponseBody!.Length);
    }

    [Fact]
    public async Task SendAsync_NeverAnswers_TimesOutAfterTheWebhooksTimeout()
    {
        await using var server = new RawHttpServer((_, _, ct) => Task.Delay(Timeout.Infinite, ct));

        var result = await SendAsync(server.Url("/silent"), timeoutSeconds: 1);

        Assert.True(result.TimedOut);
        Assert.Null(result.StatusCode);
        Assert.InRange(result.Duration, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task SendAsync_TokenEndpointBreaksOffMidBody_FailedAttemptNamingTheTokenRequest()
    {
        await using var server = new RawHttpServer(async (socket, head, ct) =>
        {
            await RawHttpServer.SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"access_", ct);
            socket.Shutdown(SocketShutdown.Both);
        });
        var auth = new WebhookAuth { Type = WebhookAuth.OAuth2, TokenUrl = server.Url("/token"), ClientId = "c", ClientSecret = "s" };

        var result = await SendAsync(server.Url("/hook"), auth: auth);

        Assert.False(result.Succeeded);
        Assert.Null(result.StatusCode);
        Assert.Contains("oauth2 token request", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task SendAsync_TokenEndpointAnswers500_FailedAttemptWithItsStatus()
    {
        await using var server = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 500, "{\"error\":\"down\"}", ct));
        var auth = new WebhookAuth { Type = WebhookAuth.OAuth2, TokenUrl = server.Url("/token"), ClientId = "c", ClientSecret = "s" };

        var result = await SendAsync(server.Url("/hook"), auth: auth);

        Assert.False(result.Succeeded);
        Assert.Contains("answered HTTP 500", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TokenEndpointRefusesConnection_ErrorNamesTheTokenRequest()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var auth = new WebhookAuth { Type = WebhookAuth.OAuth2, TokenUrl = $"http://127.0.0.1:{port}/token", ClientId = "c", ClientSecret = "s" };

        var result = await SendAsync($"http://127.0.0.1:{port}/hook", auth: auth);

        Assert.False(result.Succeeded);
        Assert.StartsWith("oauth2 token request", result.Error, StringComparison.Ordinal);
    }

    private Task<SendResult> SendAsync(string url, int timeoutSeconds = 5, WebhookAuth? auth = null)
    {
        var sender = new WebhookSender(_client, new OutboundAuthenticator(new OAuthTokenCache(_client, TimeProvider.System)), new PayloadShaperCache(), TimeProvider.System);
        var webhook = new Webhook { Id = "w1", Url = url, EventType = "assets", TimeoutSeconds = timeoutSeconds, Auth = auth };
        var delivery = new ClaimedDelivery("d1", "w1", "e1", null, 0, "assets.update", Encoding.UTF8.GetBytes("{\"id\":\"e1\"}"), DateTimeOffset.UtcNow.AddMinutes(5));
        return sender.SendAsync(webhook, delivery, 1, CancellationToken.None);
    }
}
