using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Issue 12: what one node changes, every node applies within a second (the store's change notices
/// travel by LISTEN/NOTIFY), and every node reads what another encrypted or sealed (one Data
/// Protection key ring in the database). Real processes on one PostgreSQL database of the test's own.
/// </summary>
public sealed class ClusterChangeTests
{
    [Fact]
    public async Task Webhook_CreatedOnA_MatchesEventPublishedOnBWithinASecond()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var cluster = await ClusterNodes.StartAsync(2);

        var webhook = await cluster[0].Client.CreateWebhookAsync(new { name = "made-on-a", url = receiver.Url("/a"), event_type = "assets" });
        var created = Stopwatch.StartNew();
        // One second after A answered, B's registry must already hold the webhook: the event B
        // accepts then is matched and delivered.
        await Task.Delay(TimeSpan.FromSeconds(1) - created.Elapsed);
        await cluster[1].Client.PublishAsync(RecoveryCalls.Event("on-b"));

        var requests = await receiver.WaitForAsync(1, TimeSpan.FromSeconds(60));
        Assert.Equal("on-b", requests.Single().ObjectId());
        var delivery = await cluster[1].Client.GetAsync($"api/v1/deliveries/{requests.Single().Header("webhook-id")}");
        Assert.Equal(webhook.Id(), delivery.GetProperty("webhook_id").GetString());
    }

    [Fact]
    public async Task Webhook_DeletedOnA_NoLongerMatchesOnBWithinASecond()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var cluster = await ClusterNodes.StartAsync(2);
        var webhook = await cluster[0].Client.CreateWebhookAsync(new { name = "short-lived", url = receiver.Url("/a"), event_type = "assets" });
        await Task.Delay(TimeSpan.FromSeconds(1));
        await cluster[1].Client.PublishAsync(RecoveryCalls.Event("before"));
        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(60));

        await cluster[0].Client.JsonAsync(HttpMethod.Delete, $"api/v1/webhooks/{webhook.Id()}", expected: HttpStatusCode.NoContent);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var after = await cluster[1].Client.PublishAsync(RecoveryCalls.Event("after"));

        // Nothing matched on B: the event is stored, no delivery for it exists anywhere.
        var eventId = after.GetProperty("ids")[0].GetString();
        var deliveries = await cluster[1].Client.GetAsync($"api/v1/deliveries?webhook_id={webhook.Id()}&limit=100");
        Assert.DoesNotContain(deliveries.GetProperty("objects").EnumerateArray(), d => d.GetProperty("event_id").GetString() == eventId);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task ApiKey_RevokedOnA_RefusedByBWithinASecond()
    {
        await using var cluster = await ClusterNodes.StartAsync(2);
        var created = await cluster[0].Client.JsonAsync(HttpMethod.Post, "api/v1/keys", JsonSerializer.Serialize(new { domain_id = "d1" }), HttpStatusCode.Created);
        using var onB = new HeraldClient(new HttpClient { BaseAddress = new Uri(cluster[1].BaseUrl + "/") }, created.GetProperty("key").GetString()!);
        // A key made on A is known to B within a second too.
        await Task.Delay(TimeSpan.FromSeconds(1));
        using (var before = await onB.SendAsync(HttpMethod.Get, "api/v1/webhooks"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await cluster[0].Client.JsonAsync(HttpMethod.Delete, $"api/v1/keys/{created.Id()}", expected: HttpStatusCode.NoContent);
        await Task.Delay(TimeSpan.FromSeconds(1));

        using var after = await onB.SendAsync(HttpMethod.Get, "api/v1/webhooks");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Secret_CreatedOnA_SignsDeliveriesSentByB()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var cluster = await ClusterNodes.StartAsync(2);
        var webhook = await cluster[0].Client.CreateWebhookAsync(new { name = "signed", url = receiver.Url("/signed"), event_type = "assets" });
        var secret = webhook.GetProperty("secret").GetString()!;

        // A leaves (gracefully: its partitions go back at once), so B sends, with the secret A
        // encrypted: B decrypts it with the key ring both read from the database.
        await cluster[0].StopAsync();
        await cluster[1].Client.PublishAsync(RecoveryCalls.Event("signed-by-b"));

        var request = (await receiver.WaitForAsync(1, TimeSpan.FromSeconds(60))).Single();
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = request.Header("webhook-id"),
            ["webhook-timestamp"] = request.Header("webhook-timestamp"),
            ["webhook-signature"] = request.Header("webhook-signature"),
        };
        new StandardWebhook(secret).Verify(request.BodyText, headers);
    }

    [Fact]
    public async Task KeyRing_NodesStartedTogether_ShareOneKey()
    {
        // A new cluster whose nodes all start at once (replicas of one deployment) gets one Data
        // Protection key, not one per node: a secret any node encrypts, every node decrypts.
        await using var database = await ClusterDatabase.CreateAsync();
        await using var receiver = await TestReceiver.StartAsync();
        var starting = Enumerable.Range(0, 3).Select(_ => HeraldProcess.StartAsync(database.ConnectionString)).ToList();
        var nodes = await Task.WhenAll(starting);
        try
        {
            // Each node encrypts a secret at once: without one shared first key, each would make its own.
            var webhooks = await Task.WhenAll(nodes.Select((n, i) => n.Client.CreateWebhookAsync(new { name = $"made-on-{i}", url = receiver.Url($"/{i}"), event_type = "assets" })));
            Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM data_protection_keys"));

            // One node is left to send for all three: it decrypts what the others encrypted.
            await nodes[2].StopAsync();
            await nodes[1].StopAsync();
            await nodes[0].Client.PublishAsync(RecoveryCalls.Event("sent-by-a"));
            var requests = await receiver.WaitForAsync(3, TimeSpan.FromSeconds(60));
            for (var i = 0; i < 3; i++)
            {
                var request = requests.Single(r => r.Path == $"/{i}");
                new StandardWebhook(webhooks[i].GetProperty("secret").GetString()!).Verify(request.BodyText, new HeaderDictionary
                {
                    ["webhook-id"] = request.Header("webhook-id"),
                    ["webhook-timestamp"] = request.Header("webhook-timestamp"),
                    ["webhook-signature"] = request.Header("webhook-signature"),
                });
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task AdminSession_SignedInOnA_WorksOnB()
    {
        await using var cluster = await ClusterNodes.StartAsync(2);
        using var a = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(cluster[0].BaseUrl) };
        using var signIn = await a.PostAsync("/ui/session", new StringContent(JsonSerializer.Serialize(new { key = HeraldHost.AdminKey }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var csrf = JsonDocument.Parse(await signIn.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf_token").GetString()!;

        // Behind a load balancer the next request may land on B: the cookie opens the same session there.
        using var b = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(cluster[1].BaseUrl) };
        using var change = new HttpRequestMessage(HttpMethod.Post, "/api/v1/keys") { Content = new StringContent("{\"domain_id\":\"d2\"}", Encoding.UTF8, "application/json") };
        change.Headers.Add("Cookie", cookie);
        change.Headers.Add("X-CSRF-Token", csrf);
        using var created = await b.SendAsync(change);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var session = new HttpRequestMessage(HttpMethod.Get, "/ui/session");
        session.Headers.Add("Cookie", cookie);
        using var current = await b.SendAsync(session);
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal(csrf, JsonDocument.Parse(await current.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf_token").GetString());
    }
}
