using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using StandardWebhooks;
using static Herald.Receiver.Tests.AspNetCore.WebhookRequests;
using static Herald.Receiver.Tests.TestDeliveries;

namespace Herald.Receiver.Tests.AspNetCore;

/// <summary>MapHeraldWebhook's options (ordering, stores, schemes, limits, configuration) over real Kestrel.</summary>
public sealed class MapHeraldWebhookOptionsTests : IDisposable
{
    private readonly ConcurrentQueue<WebhookContext> calls = new();
    private readonly string directory = Directory.CreateTempSubdirectory("herald-receiver-http-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private Task Record(WebhookContext context, CancellationToken cancellationToken)
    {
        calls.Enqueue(context);
        return Task.CompletedTask;
    }

    private Task<ReceiverServer> StartAsync(Action<HeraldWebhookOptions> configure) =>
        ReceiverServer.StartAsync(app => app.MapHeraldWebhook("/hooks", Record, options =>
        {
            options.Secrets.Add(Secret);
            configure(options);
        }));

    private static byte[] Video(string updatedAt, string id = "vid-1") =>
        Body($$"""{"id":"{{id}}","title":"My Video","status":"COMPLETE","updatedAt":"{{updatedAt}}"}""");

    [Fact]
    public async Task Post_OutOfOrderDeliveries_OlderAnswered200StaleWithoutCallingHandler()
    {
        // Ignite's advice: order by the object id and its updatedAt.
        await using var server = await StartAsync(options => options.UseOrdering(
            context => context.Payload.GetProperty("id").GetString(),
            context => context.Payload.GetProperty("updatedAt").GetDateTimeOffset()));

        using var newer = await server.Client.SendAsync(Delivery(Video("2024-01-15T10:32:00Z"), id: "d-2"));
        using var older = await server.Client.SendAsync(Delivery(Video("2024-01-15T10:31:00Z"), id: "d-1"));
        using var sameAgain = await server.Client.SendAsync(Delivery(Video("2024-01-15T10:32:00Z"), id: "d-2b"));
        using var otherObject = await server.Client.SendAsync(Delivery(Video("2024-01-15T10:00:00Z", id: "vid-2"), id: "d-x"));
        using var newest = await server.Client.SendAsync(Delivery(Video("2024-01-15T10:33:00Z"), id: "d-3"));
        using var olderRetried = await server.Client.SendAsync(Delivery(Video("2024-01-15T10:31:00Z"), id: "d-1", attempt: 2));

        Assert.Equal("processed", await StatusAsync(newer));
        Assert.Equal(HttpStatusCode.OK, older.StatusCode);
        Assert.Equal("stale", await StatusAsync(older));
        Assert.Equal("stale", await StatusAsync(sameAgain));
        Assert.Equal("processed", await StatusAsync(otherObject));
        Assert.Equal("processed", await StatusAsync(newest));
        Assert.Equal("duplicate", await StatusAsync(olderRetried));
        Assert.Equal(["d-2", "d-x", "d-3"], calls.Select(c => c.DeliveryId));
    }

    [Fact]
    public async Task Post_OrderingVersionMissing_Answers400WithoutMarkingSeen()
    {
        await using var server = await StartAsync(options => options.UseOrdering(
            context => context.Payload.GetProperty("id").GetString(),
            context => context.Payload.GetProperty("updatedAt").GetDateTimeOffset()));

        using var response = await server.Client.SendAsync(Delivery(Body("""{"id":"vid-1"}"""), id: "d-bad"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ordering_key_unreadable", await ReasonAsync(response));
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_OrderingKeyNull_HandledWithoutGuard()
    {
        await using var server = await StartAsync(options => options.UseOrdering<long>(
            _ => null,
            _ => throw new InvalidOperationException("not called for unordered events")));

        using var response = await server.Client.SendAsync(Delivery(Body()));

        Assert.Equal("processed", await StatusAsync(response));
    }

    [Fact]
    public async Task Post_SqliteStoreAfterRestart_DuplicateSkipped()
    {
        var path = Path.Combine(directory, "seen.db");
        var body = Body();
        using (var store = new SqliteDeliveryDeduplicationStore(path))
        {
            await using var first = await StartAsync(options => options.DeduplicationStore = store);
            using var response = await first.Client.SendAsync(Delivery(body, id: "msg_persisted"));
            Assert.Equal("processed", await StatusAsync(response));
        }

        using (var store = new SqliteDeliveryDeduplicationStore(path))
        {
            await using var restarted = await StartAsync(options => options.DeduplicationStore = store);
            using var response = await restarted.Client.SendAsync(Delivery(body, id: "msg_persisted", attempt: 2));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("duplicate", await StatusAsync(response));
        }

        Assert.Single(calls);
    }

    [Fact]
    public async Task Post_IgniteHeadersOnly_CallsHandlerWithDeliveryId()
    {
        await using var server = await StartAsync(_ => { });
        var body = Video("2024-01-15T10:30:00.000Z");

        using var response = await server.Client.SendAsync(FromHeaders(body, IgniteHeaders(body, id: "dlv_ignite", at: DateTimeOffset.UtcNow)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var context = Assert.Single(calls);
        Assert.Equal("dlv_ignite", context.DeliveryId);
        Assert.Equal("video.updated", context.EventName);
        Assert.Equal(1, context.Attempt);
        Assert.Equal(WebhookSignatureSchemes.Ignite, context.Scheme);
    }

    [Fact]
    public async Task Post_StandardWebhooksPackageContent_CallsHandler()
    {
        await using var server = await StartAsync(_ => { });
        using var content = new StandardWebhook(Secret).MakeHttpContent(new { id = "v-1", title = "Ünïcode ✓" }, "msg_package", DateTimeOffset.UtcNow);

        using var response = await server.Client.PostAsync(new Uri("/hooks", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Ünïcode ✓", Assert.Single(calls).Payload.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Post_BodyOverLimit_Answers413()
    {
        await using var server = await StartAsync(options => options.MaxBodySize = 1024);
        var large = Body($$"""{"data":"{{new string('x', 2048)}}"}""");

        using var response = await server.Client.SendAsync(Delivery(large));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Answers413()
    {
        await using var server = await StartAsync(options => options.MaxBodySize = 1024);
        var large = Body($$"""{"data":"{{new string('x', 64 * 1024)}}"}""");
        using var request = Delivery(large);
        // Chunked, without Content-Length, so the limit is enforced while reading.
        request.Headers.TransferEncodingChunked = true;

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Post_SecretFromConfiguration_OneLineMappingVerifies()
    {
        await using var server = await ReceiverServer.StartAsync(
            app => app.MapHeraldWebhook("/hooks", Record),
            builder => builder.Configuration[HeraldWebhookEndpointRouteBuilderExtensions.SecretConfigurationKey] = Secret);

        using var valid = await server.Client.SendAsync(Delivery(Body()));
        using var wrong = await server.Client.SendAsync(Delivery(Body(), id: "msg_2", secrets: [OtherSecret]));

        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task MapHeraldWebhook_NoSecret_ThrowsInvalidOperation()
    {
        await using var app = WebApplication.CreateSlimBuilder().Build();

        var exception = Assert.Throws<InvalidOperationException>(() => app.MapHeraldWebhook("/hooks", Record));

        Assert.Contains(HeraldWebhookEndpointRouteBuilderExtensions.SecretConfigurationKey, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_RegisteredStoreInServices_IsUsed()
    {
        var store = new InMemoryDeliveryDeduplicationStore();
        await store.MarkProcessedAsync("msg_known");
        await using var server = await ReceiverServer.StartAsync(
            app => app.MapHeraldWebhook("/hooks", Record, options => options.Secrets.Add(Secret)),
            builder => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions
                .AddSingleton<IDeliveryDeduplicationStore>(builder.Services, store));

        using var response = await server.Client.SendAsync(Delivery(Encoding.UTF8.GetBytes("{}"), id: "msg_known"));

        Assert.Equal("duplicate", await StatusAsync(response));
    }
}
