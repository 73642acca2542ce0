using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Herald.Signing;
using static Herald.Receiver.Tests.AspNetCore.WebhookRequests;
using static Herald.Receiver.Tests.TestDeliveries;

namespace Herald.Receiver.Tests.AspNetCore;

/// <summary>MapHeraldWebhook over a real Kestrel server, hit by a real HttpClient.</summary>
public sealed class MapHeraldWebhookTests
{
    private readonly ConcurrentQueue<WebhookContext> calls = new();

    private Task Record(WebhookContext context, CancellationToken cancellationToken)
    {
        calls.Enqueue(context);
        return Task.CompletedTask;
    }

    private Task<ReceiverServer> StartAsync(WebhookHandler? handler = null, Action<HeraldWebhookOptions>? configure = null) =>
        ReceiverServer.StartAsync(app => app.MapHeraldWebhook("/hooks", handler ?? Record, options =>
        {
            options.Secrets.Add(Secret);
            configure?.Invoke(options);
        }));

    [Fact]
    public async Task Post_ValidDelivery_CallsHandlerOnceWithContext()
    {
        await using var server = await StartAsync();
        var body = Body();

        using var response = await server.Client.SendAsync(Delivery(body, id: "msg_valid", attempt: 3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await JsonAsync(response);
        Assert.Equal("processed", answer.GetProperty("status").GetString());
        Assert.Equal("msg_valid", answer.GetProperty("delivery_id").GetString());
        var context = Assert.Single(calls);
        Assert.Equal("msg_valid", context.DeliveryId);
        Assert.Equal("assets.metadata.update", context.EventName);
        Assert.Equal(3, context.Attempt);
        Assert.Equal(body, context.Body.ToArray());
        Assert.Equal("Clip", context.Payload.GetProperty("data").GetProperty("title").GetString());
        Assert.Equal(WebhookSignatureSchemes.Standard, context.Scheme);
        Assert.NotNull(context.HttpContext);
    }

    [Fact]
    public async Task Post_DuplicateDelivery_Answers200WithoutCallingHandlerAgain()
    {
        await using var server = await StartAsync();
        var body = Body();
        using var first = await server.Client.SendAsync(Delivery(body, id: "msg_dup"));

        // A retry: same delivery id, new timestamp and attempt, freshly signed.
        using var second = await server.Client.SendAsync(Delivery(body, id: "msg_dup", at: DateTimeOffset.UtcNow.AddSeconds(5), attempt: 2));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("duplicate", await StatusAsync(second));
        Assert.Single(calls);
    }

    [Fact]
    public async Task Post_BadSignature_Answers401WithReason()
    {
        await using var server = await StartAsync();
        var headers = Headers(Body(), at: DateTimeOffset.UtcNow);

        using var response = await server.Client.SendAsync(FromHeaders(Body("""{"tampered":true}"""), headers));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("no_matching_signature", await ReasonAsync(response));
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_WrongSecret_Answers401()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.SendAsync(Delivery(Body(), secrets: [OtherSecret]));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_NoSignatureHeaders_Answers401MissingHeaders()
    {
        await using var server = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks") { Content = new ByteArrayContent(Body()) };

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("missing_headers", await ReasonAsync(response));
    }

    [Fact]
    public async Task Post_OldTimestamp_Answers401TooOld()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.SendAsync(Delivery(Body(), at: DateTimeOffset.UtcNow.AddMinutes(-10)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("timestamp_too_old", await ReasonAsync(response));
    }

    [Fact]
    public async Task Post_FutureTimestamp_Answers401TooNew()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.SendAsync(Delivery(Body(), at: DateTimeOffset.UtcNow.AddMinutes(10)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("timestamp_too_new", await ReasonAsync(response));
    }

    [Fact]
    public async Task Post_MalformedTimestamp_Answers400()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.SendAsync(Delivery(Body(), change: h => h[WebhookHeaders.Timestamp] = "yesterday"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("malformed_timestamp", await ReasonAsync(response));
    }

    [Fact]
    public async Task Post_SignedBodyNotJson_Answers400WithoutCallingHandler()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.SendAsync(Delivery(Encoding.UTF8.GetBytes("not json")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_json", await ReasonAsync(response));
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_HandlerThrows_Answers500ThenRetrySucceeds()
    {
        var invocations = 0;
        await using var server = await StartAsync((context, cancellationToken) =>
        {
            calls.Enqueue(context);
            return Interlocked.Increment(ref invocations) == 1
                ? throw new InvalidOperationException("database down")
                : Task.CompletedTask;
        });
        var body = Body();

        using var failed = await server.Client.SendAsync(Delivery(body, id: "msg_retry", attempt: 1));
        using var retried = await server.Client.SendAsync(Delivery(body, id: "msg_retry", attempt: 2));
        using var again = await server.Client.SendAsync(Delivery(body, id: "msg_retry", attempt: 3));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("handler_failed", await ReasonAsync(failed));
        Assert.DoesNotContain("database down", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("processed", await StatusAsync(retried));
        Assert.Equal("duplicate", await StatusAsync(again));
        Assert.Equal([1, 2], calls.Select(c => c.Attempt));
    }

    [Fact]
    public async Task Post_CopyArrivesWhileFirstIsProcessing_Answers409ThenDuplicate()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(async (context, cancellationToken) =>
        {
            calls.Enqueue(context);
            entered.TrySetResult();
            await release.Task.WaitAsync(cancellationToken);
        });
        var body = Body();

        var first = server.Client.SendAsync(Delivery(body, id: "msg_slow"));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var copy = await server.Client.SendAsync(Delivery(body, id: "msg_slow", attempt: 2));
        release.SetResult();
        using var firstResponse = await first;
        using var later = await server.Client.SendAsync(Delivery(body, id: "msg_slow", attempt: 3));

        Assert.Equal(HttpStatusCode.Conflict, copy.StatusCode);
        Assert.NotNull(copy.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal("duplicate", await StatusAsync(later));
        Assert.Single(calls);
    }

    [Fact]
    public async Task Post_RotationHeaderWithTwoSignatures_AcceptedByNewSecret()
    {
        await using var server = await ReceiverServer.StartAsync(app =>
            app.MapHeraldWebhook("/hooks", Record, options => options.Secrets.Add(OtherSecret)));

        using var response = await server.Client.SendAsync(Delivery(Body(), secrets: [Secret, OtherSecret]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(calls);
    }

    [Fact]
    public async Task Get_WebhookPath_IsNotHandled()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.GetAsync(new Uri("/hooks", UriKind.Relative));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Empty(calls);
    }
}
