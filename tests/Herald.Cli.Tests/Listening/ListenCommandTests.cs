using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Herald.Cli.Tests.Infrastructure;
using Herald.Signing;

namespace Herald.Cli.Tests.Listening;

public sealed class ListenCommandTests
{
    private static readonly string Secret = WebhookSecret.Generate();
    private static readonly string Body = Built.Seed("blog-proxies-update.json");

    [Fact]
    public async Task Listen_SignedDelivery_PrintsVerifiedBlockAndAnswers200()
    {
        await using var listener = await InProcessListener.StartAsync("--secret", Secret);

        using var response = await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/proxy", Body, Secret, "dlv_123", attempt: 2));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var output = listener.Output;
        Assert.Matches(@"^POST /proxy  \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ  -> 200\n", output);
        Assert.Contains("  event:     assets.proxies.update\n", output, StringComparison.Ordinal);
        Assert.Contains("  delivery:  dlv_123\n", output, StringComparison.Ordinal);
        Assert.Contains("  attempt:   2\n", output, StringComparison.Ordinal);
        Assert.Contains("  signature: verified (standard)\n", output, StringComparison.Ordinal);
        Assert.Contains("{\n  \"data\": {\n    \"asset_id\": \"c521e01a-f0a2-11e7-b528-0a580a000257\",", output, StringComparison.Ordinal);
        Assert.Contains("Listening on", listener.Error, StringComparison.Ordinal);
        Assert.Contains("verifying with 1 secret(s)", listener.Error, StringComparison.Ordinal);
        Assert.Equal(0, await listener.StopAsync());
    }

    [Fact]
    public async Task Listen_Json_PrintsOneObjectPerLineWithVerification()
    {
        await using var listener = await InProcessListener.StartAsync("--secret", Secret, "--json");

        (await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/", Body, Secret, "dlv_good"))).Dispose();
        (await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/", Body, WebhookSecret.Generate(), "dlv_bad"))).Dispose();

        var lines = listener.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        var good = lines.Single(l => l.GetProperty("delivery_id").GetString() == "dlv_good");
        var bad = lines.Single(l => l.GetProperty("delivery_id").GetString() == "dlv_bad");
        Assert.True(good.GetProperty("verification").GetProperty("valid").GetBoolean());
        Assert.Equal("standard", good.GetProperty("verification").GetProperty("scheme").GetString());
        Assert.Equal("assets.proxies.update", good.GetProperty("event").GetString());
        Assert.Equal(1, good.GetProperty("attempt").GetInt32());
        Assert.Equal(200, good.GetProperty("status").GetInt32());
        Assert.Equal("CLOSED", good.GetProperty("body").GetProperty("data").GetProperty("status").GetString());
        Assert.False(bad.GetProperty("verification").GetProperty("valid").GetBoolean());
        Assert.Equal("no_matching_signature", bad.GetProperty("verification").GetProperty("failure").GetString());
        Assert.Equal(200, bad.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Listen_RejectInvalid_Answers401ForWrongSecretAnd200ForRight()
    {
        await using var listener = await InProcessListener.StartAsync("--secret", Secret, "--reject-invalid");

        using var wrong = await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/", Body, WebhookSecret.Generate()));
        using var right = await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/", Body, Secret));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("  signature: INVALID no_matching_signature: ", listener.Output, StringComparison.Ordinal);
        Assert.Contains("-> 401\n", listener.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_StatusOption_AnswersChosenStatus()
    {
        await using var listener = await InProcessListener.StartAsync("--secret", Secret, "--status", "503");

        using var response = await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/", Body, Secret));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("-> 503\n", listener.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_IgniteSignatureOnly_VerifiedAsIgnite()
    {
        await using var listener = await InProcessListener.StartAsync("--secret", Secret);

        (await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/", Body, Secret, standard: false))).Dispose();

        Assert.Contains("  signature: verified (ignite)\n", listener.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_NoSecret_PrintsNotChecked()
    {
        await using var listener = await InProcessListener.StartAsync();

        (await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/", Body, Secret))).Dispose();

        Assert.Contains("NOT verifying signatures", listener.Error, StringComparison.Ordinal);
        Assert.Contains("  signature: not checked (no --secret)\n", listener.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_PathOption_OtherPathsGet404AndAreNotPrinted()
    {
        await using var listener = await InProcessListener.StartAsync("--secret", Secret, "--path", "/hooks");

        using var other = await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/elsewhere", Body, Secret));
        using var hooked = await listener.Http.SendAsync(InProcessListener.Signed(listener.BaseUrl + "/hooks/proxy", Body, Secret));

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hooked.StatusCode);
        Assert.DoesNotContain("/elsewhere", listener.Output, StringComparison.Ordinal);
        Assert.Contains("POST /hooks/proxy", listener.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_PortInUse_ExitsUnavailable()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var result = await CliRunner.RunAsync(new Dictionary<string, string>(), "listen", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"error: cannot listen on 127.0.0.1:{port}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_BadStatus_ExitsUsage()
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string>(), "listen", "--status", "42");

        Assert.Equal(2, result.ExitCode);
    }
}
