using System.Collections.Concurrent;
using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Auth;
using Herald.Delivery.Http;
using Herald.Delivery.Payload;
using Herald.Delivery.Tests.Infrastructure;
using Herald.Signing;
using Herald.Storage;

namespace Herald.Delivery.Tests.Http;

/// <summary>
/// What a webhook definition decides about its requests (custom headers, credentials, secrets,
/// target) is worked out once per definition and reused: an edit makes a new definition, and the
/// very next attempt must go out with the edited values. Real requests over 127.0.0.1.
/// </summary>
public sealed class EditedDefinitionTests : IAsyncDisposable
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"id\":\"e1\"}");

    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentQueue<string> _heads = new();
    private readonly RawHttpServer _server;
    private readonly WebhookSender _sender;

    public EditedDefinitionTests()
    {
        _server = new RawHttpServer(async (socket, head, ct) =>
        {
            _heads.Enqueue(head);
            await RawHttpServer.AnswerAsync(socket, 200, "{}", ct);
        });
        _sender = new WebhookSender(_client, new OutboundAuthenticator(new OAuthTokenCache(_client, TimeProvider.System)), new PayloadShaperCache(), TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _client.Dispose();
    }

    [Fact]
    public async Task SendAsync_EditedHeadersAndCredentials_NextAttemptCarriesTheNewValues()
    {
        var first = Hook() with
        {
            Headers = new Dictionary<string, string> { ["X-Team"] = "blue" },
            Auth = new WebhookAuth { Type = WebhookAuth.Basic, Username = "ann", Password = "one" },
        };
        var before = await SendAsync(first, attempt: 1);

        var edited = first with
        {
            Version = first.Version + 1,
            Headers = new Dictionary<string, string> { ["X-Team"] = "green", ["X-Extra"] = "yes" },
            Auth = new WebhookAuth { Type = WebhookAuth.Bearer, Token = "tok-2" },
        };
        var after = await SendAsync(edited, attempt: 2);

        Assert.Equal("blue", Header(before, "X-Team"));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ann:one")), Header(before, "Authorization"));
        Assert.Null(Header(before, "X-Extra"));
        Assert.Equal("green", Header(after, "X-Team"));
        Assert.Equal("yes", Header(after, "X-Extra"));
        Assert.Equal("Bearer tok-2", Header(after, "Authorization"));
        Assert.Equal("2", Header(after, WebhookHeaders.Attempt));
    }

    [Fact]
    public async Task SendAsync_EditedUrl_NextAttemptGoesToTheNewPath()
    {
        var first = Hook();
        var before = await SendAsync(first, attempt: 1);

        var after = await SendAsync(first with { Version = first.Version + 1, Url = _server.Url("/moved?x=1") }, attempt: 1);

        Assert.StartsWith("POST /hook HTTP/1.1", before, StringComparison.Ordinal);
        Assert.StartsWith("POST /moved?x=1 HTTP/1.1", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SecretRotatedByAnEdit_NextAttemptSignsWithBothDuringTheGrace()
    {
        var (old, fresh) = (WebhookSecret.Generate(), WebhookSecret.Generate());
        var first = Hook() with { Secrets = [new WebhookSecretEntry(old, null)] };
        var before = await SendAsync(first, attempt: 1);

        // Rotation: the new secret first, the old one kept for a grace period.
        var rotated = first with
        {
            Version = first.Version + 1,
            Secrets = [new WebhookSecretEntry(fresh, null), new WebhookSecretEntry(old, DateTimeOffset.UtcNow.AddHours(1))],
        };
        var after = await SendAsync(rotated, attempt: 2);

        Assert.Single(Header(before, WebhookHeaders.Signature)!.Split(' '));
        Assert.True(Verifies(old, before));
        Assert.False(Verifies(fresh, before));
        Assert.Equal(2, Header(after, WebhookHeaders.Signature)!.Split(' ').Length);
        Assert.True(Verifies(fresh, after));
        Assert.True(Verifies(old, after));
        Assert.True(IgniteSignature.Verify(fresh, Body, Header(after, WebhookHeaders.IgniteSignature)));
        Assert.False(IgniteSignature.Verify(old, Body, Header(after, WebhookHeaders.IgniteSignature)));
    }

    [Fact]
    public async Task SendAsync_EditedToAnUnsafeHeader_EveryAttemptRefusedUntilEditedBack()
    {
        var safe = Hook() with { Headers = new Dictionary<string, string> { ["X-Team"] = "blue" } };
        await SendAsync(safe, attempt: 1);
        var unsafeHeader = safe with { Version = safe.Version + 1, Headers = new Dictionary<string, string> { ["X-Team"] = "blue\r\nX-Injected: 1" } };

        var refused = await _sender.SendAsync(unsafeHeader, Delivery(), 2, CancellationToken.None);
        var again = await _sender.SendAsync(unsafeHeader, Delivery(), 3, CancellationToken.None);
        var back = await SendAsync(unsafeHeader with { Version = unsafeHeader.Version + 1, Headers = new Dictionary<string, string> { ["X-Team"] = "red" } }, attempt: 4);

        Assert.False(refused.Succeeded);
        Assert.Null(refused.StatusCode);
        Assert.Equal("request failed: refused to send: header X-Team (custom header) contains a line break (CR or LF)", refused.Error);
        Assert.Equal(refused.Error, again.Error);
        Assert.Equal(2, _server.Requests);
        Assert.Equal("red", Header(back, "X-Team"));
        Assert.DoesNotContain(_heads, head => head.Contains("X-Injected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_CustomTraceparentHeader_ReplacedByThePublishContext()
    {
        const string Parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var webhook = Hook() with { Headers = new Dictionary<string, string> { ["TraceParent"] = "00-11111111111111111111111111111111-2222222222222222-01", ["X-Team"] = "blue" } };

        var head = await SendAsync(webhook, attempt: 1, traceParent: Parent);

        Assert.Equal(Parent, Header(head, "traceparent"));
        Assert.Single(head.Split("\r\n"), line => line.StartsWith("traceparent:", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("blue", Header(head, "X-Team"));
    }

    private Webhook Hook() => new() { Id = "w1", Url = _server.Url("/hook"), EventType = "assets", TimeoutSeconds = 5 };

    private static ClaimedDelivery Delivery(string? traceParent = null) =>
        new("d1", "w1", "e1", null, 0, "assets.update", Body, DateTimeOffset.UtcNow.AddMinutes(5), traceParent);

    private async Task<string> SendAsync(Webhook webhook, int attempt, string? traceParent = null)
    {
        var result = await _sender.SendAsync(webhook, Delivery(traceParent), attempt, CancellationToken.None);
        Assert.True(result.Succeeded, result.Error);
        Assert.True(_heads.TryDequeue(out var head));
        return head;
    }

    private static string? Header(string head, string name) =>
        head.Split("\r\n").Where(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(line => line[(name.Length + 1)..].Trim()).FirstOrDefault();

    private static bool Verifies(string secret, string head) =>
        StandardWebhookSignature.Verify(
            WebhookSecret.DecodeStandardKey(secret),
            Header(head, WebhookHeaders.Id)!,
            long.Parse(Header(head, WebhookHeaders.Timestamp)!, System.Globalization.CultureInfo.InvariantCulture),
            Body,
            Header(head, WebhookHeaders.Signature)!);
}
