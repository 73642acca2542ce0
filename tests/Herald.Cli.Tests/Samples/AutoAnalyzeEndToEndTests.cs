using System.Text.Json;
using Herald.Cli.Tests.Infrastructure;

namespace Herald.Cli.Tests.Samples;

/// <summary>
/// samples/AutoAnalyze end to end: a real Herald, the sample as a process, a stub analysis endpoint, and the
/// two webhooks of the sample's README created with the CLI. Herald reaches the sample through a
/// <see cref="ForwardingProxy"/> that can lose an answer, so Herald re-sends the same delivery.
/// </summary>
public sealed class AutoAnalyzeEndToEndTests
{
    [Fact]
    public async Task AutoAnalyze_DuplicateReorderedAndConcurrentDeliveries_AnalyzesEachAssetExactlyOnce()
    {
        await using var analysis = await StubEndpoint.StartAsync();
        await using var herald = await HeraldServer.StartAsync();
        var sampleUrl = $"http://127.0.0.1:{ChildProcess.FreePort()}";
        await using var proxy = await ForwardingProxy.StartAsync(sampleUrl + "/");
        var env = herald.CliEnvironment;

        // The README's two webhooks. A short retry schedule keeps the lost-answer retry quick.
        var createHook = Json(await CliRunner.SucceedAsync(env,
            "webhooks", "create", "--name", "auto-analyze-create", "--target", proxy.BaseUrl + "/create",
            "--event-type", "assets", "--realm", "entity", "--operation", "create", "--retry-schedule", "1,1,1", "--json"));
        var proxyHook = Json(await CliRunner.SucceedAsync(env,
            "webhooks", "create", "--name", "auto-analyze-proxy", "--target", proxy.BaseUrl + "/proxy",
            "--event-type", "assets", "--realm", "proxies", "--operation", "update", "--query", "data.status=\"CLOSED\"",
            "--retry-schedule", "1,1,1", "--json"));
        var createId = createHook.GetProperty("id").GetString()!;
        var proxyId = proxyHook.GetProperty("id").GetString()!;

        await using var sample = ChildProcess.Start(
            Built.AutoAnalyzeDll,
            ["--urls", sampleUrl],
            new Dictionary<string, string>
            {
                ["AutoAnalyze__AnalysisUrl"] = analysis.BaseUrl,
                ["AutoAnalyze__AppId"] = "app-id-1",
                ["AutoAnalyze__AuthToken"] = "auth-token-1",
                ["AutoAnalyze__CreateSecret"] = createHook.GetProperty("secret").GetString()!,
                ["AutoAnalyze__ProxySecret"] = proxyHook.GetProperty("secret").GetString()!,
                ["AutoAnalyze__Database"] = Path.Combine(Built.TempDirectory(), "auto-analyze.db"),
                ["Logging__LogLevel__Default"] = "Warning",
            });
        await WaitHealthyAsync(sample, sampleUrl);

        // Asset A, in order: create → proxy OPEN → proxy CLOSED, whose first answer is lost (a duplicate delivery).
        const string a = "2b45a8ca-f0b4-11e7-a36b-0a580a00054a";
        await PublishAsync(env, Create(a));
        await herald.WaitForSucceededAsync(createId, a, 1);
        await PublishAsync(env, Proxy(a, "OPEN"));
        Assert.Empty(await herald.DeliveriesAsync(proxyId, a)); // the query spared the sample this event
        var lost = 0;
        proxy.LoseAnswer = r => r.Path == "/proxy" && r.BodyText.Contains(a, StringComparison.Ordinal) && Interlocked.Increment(ref lost) == 1;
        await PublishAsync(env, Proxy(a, "CLOSED"));
        var closedA = Assert.Single(await herald.WaitForSucceededAsync(proxyId, a, 1));
        Assert.Equal(2, closedA.GetProperty("attempt_count").GetInt32());
        var sentA = proxy.Forwarded.Where(f => f.Request.Path == "/proxy" && f.Request.BodyText.Contains(a, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, sentA.Count);
        Assert.Equal(sentA[0].Request.Header("webhook-id"), sentA[1].Request.Header("webhook-id"));
        Assert.Contains("\"processed\"", sentA[0].TargetBody, StringComparison.Ordinal);
        Assert.Contains("\"duplicate\"", sentA[1].TargetBody, StringComparison.Ordinal);

        // The captured create of A, re-sent byte for byte: the sample skips it.
        var createA = proxy.Forwarded.Single(f => f.Request.Path == "/create" && f.Request.BodyText.Contains(a, StringComparison.Ordinal));
        var replay = await proxy.ReplayAsync(createA.Request);
        Assert.Equal(200, replay.Status);
        Assert.Contains("\"duplicate\"", replay.Body, StringComparison.Ordinal);
        Assert.Single(AnalysisRequests(analysis, a));

        // Asset B, reordered: proxy CLOSED before create; then create; then CLOSED again.
        const string b = "c521e01a-f0a2-11e7-b528-0a580a000257";
        await PublishAsync(env, Proxy(b, "CLOSED"));
        await herald.WaitForSucceededAsync(proxyId, b, 1);
        Assert.Empty(AnalysisRequests(analysis, b));
        await PublishAsync(env, Create(b));
        await herald.WaitForSucceededAsync(createId, b, 1);
        Assert.Single(AnalysisRequests(analysis, b));
        await PublishAsync(env, Proxy(b, "CLOSED"));
        await herald.WaitForSucceededAsync(proxyId, b, 2);

        // Asset C: two CLOSED proxies published together (two deliveries that may run side by side).
        const string c = "cea2a082-f0b0-11e7-bd64-0a580a00054a";
        await PublishAsync(env, Create(c));
        await herald.WaitForSucceededAsync(createId, c, 1);
        await PublishAsync(env, $"[{Proxy(c, "CLOSED")},{Proxy(c, "CLOSED")}]");
        await herald.WaitForSucceededAsync(proxyId, c, 2);

        // Asset D: created, never CLOSED.
        const string d = "d0000000-0000-0000-0000-00000000000d";
        await PublishAsync(env, Create(d));
        await herald.WaitForSucceededAsync(createId, d, 1);

        // Asset E: the analysis API fails once. The sample releases its claim and answers 500; Herald's retry submits again.
        const string e = "e0000000-0000-0000-0000-00000000000e";
        var failures = 0;
        analysis.Respond = r => r.Path.Contains(e, StringComparison.Ordinal) && Interlocked.Increment(ref failures) == 1 ? 500 : 200;
        await PublishAsync(env, Create(e));
        await herald.WaitForSucceededAsync(createId, e, 1);
        await PublishAsync(env, Proxy(e, "CLOSED"));
        var closedE = Assert.Single(await herald.WaitForSucceededAsync(proxyId, e, 1));
        Assert.Equal(2, closedE.GetProperty("attempt_count").GetInt32());
        Assert.Equal(2, AnalysisRequests(analysis, e).Count);

        Assert.Single(AnalysisRequests(analysis, a));
        Assert.Single(AnalysisRequests(analysis, b));
        Assert.Single(AnalysisRequests(analysis, c));
        Assert.Empty(AnalysisRequests(analysis, d));
        Assert.Equal(5, analysis.Requests.Count);
        Assert.All(analysis.Requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("auth-token-1", r.Header("Auth-Token"));
            Assert.Equal("app-id-1", r.Header("App-ID"));
            Assert.Equal("{}", r.BodyText);
        });
        Assert.Equal("ENABLED", (await herald.GetAsync($"api/v1/webhooks/{proxyId}")).GetProperty("status").GetString());
    }

    private static IReadOnlyList<RecordedRequest> AnalysisRequests(StubEndpoint analysis, string assetId) =>
        [.. analysis.Requests.Where(r => r.Path == $"/API/transcode/v1/analyze/assets/{assetId}/")];

    private static Task PublishAsync(IReadOnlyDictionary<string, string> env, string json) => CliRunner.SucceedAsync(env, "events", "publish", json);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    /// <summary>The blog's <c>assets.entity.create</c> event for another asset id.</summary>
    private static string Create(string assetId) =>
        Built.Seed("blog-entity-create.json").Replace("2b45a8ca-f0b4-11e7-a36b-0a580a00054a", assetId, StringComparison.Ordinal);

    /// <summary>The blog's <c>assets.proxies.update</c> event for another asset id and proxy status.</summary>
    private static string Proxy(string assetId, string status) =>
        Built.Seed("blog-proxies-update.json")
            .Replace("c521e01a-f0a2-11e7-b528-0a580a000257", assetId, StringComparison.Ordinal)
            .Replace("\"status\": \"CLOSED\"", $"\"status\": \"{status}\"", StringComparison.Ordinal);

    private static async Task WaitHealthyAsync(ChildProcess sample, string url)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(
            async () =>
            {
                if (sample.HasExited)
                {
                    throw new InvalidOperationException($"AutoAnalyze exited during start:\n{sample.Describe()}");
                }

                try
                {
                    using var response = await probe.GetAsync(url + "/healthz");
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            },
            "AutoAnalyze to answer /healthz",
            TimeSpan.FromSeconds(60));
    }
}
