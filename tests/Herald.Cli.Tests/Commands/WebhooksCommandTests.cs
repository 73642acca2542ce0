using System.Text.Json;
using Herald.Cli.Tests.Infrastructure;

namespace Herald.Cli.Tests.Commands;

[Collection(HeraldServerCollection.Name)]
public sealed class WebhooksCommandTests(HeraldServerFixture herald)
{
    [Fact]
    public async Task Create_WithFlags_PrintsFieldsAndSecretOnce()
    {
        var type = HeraldServerFixture.UniqueEventType();
        var output = await CliRunner.SucceedAsync(herald.Env,
            "webhooks", "create", "--target", "http://127.0.0.1:9/proxy", "-e", type, "-r", "proxies", "-o", "update",
            "-q", "data.status=\"CLOSED\"", "-n", "proxy", "-H", "X-Team=media", "--retry-schedule", "5,60");

        Assert.Matches(@"(?m)^id:\s+\S+$", output);
        Assert.Matches($@"(?m)^events:\s+{type}\.proxies\.update$", output);
        Assert.Matches(@"(?m)^query:\s+data\.status=""CLOSED""$", output);
        Assert.Matches(@"(?m)^headers:\s+X-Team: media$", output);
        Assert.Matches(@"(?m)^retry_schedule:\s+5,60$", output);
        Assert.Matches(@"(?m)^secret:\s+whsec_\S+$", output);
        Assert.Contains("Herald shows it only now", output, StringComparison.Ordinal);

        var id = Field(output, "id");
        var shown = await CliRunner.SucceedAsync(herald.Env, "webhooks", "show", id);
        Assert.DoesNotContain("secret", shown, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^status:\s+ENABLED$", shown);
    }

    [Fact]
    public async Task List_Default_PrintsAlignedTableWithEventPattern()
    {
        var type = HeraldServerFixture.UniqueEventType();
        var id = await CreateAsync(type, "-n", "table-test", "-r", "entity", "-o", "create");

        var output = await CliRunner.SucceedAsync(herald.Env, "webhooks", "list", "--all");

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^ID\s+NAME\s+STATUS\s+EVENTS\s+URL\s+QUERY$", lines[0]);
        var row = Assert.Single(lines, l => l.StartsWith(id, StringComparison.Ordinal));
        Assert.Matches($@"^{id}\s+table-test\s+ENABLED\s+{type}\.entity\.create\s+http://127\.0\.0\.1:9/hook\s+-$", row);
        // Columns line up: every row's STATUS column starts where the header's does.
        var statusColumn = lines[0].IndexOf("STATUS", StringComparison.Ordinal);
        Assert.Equal("ENABLED", row.Substring(statusColumn, 7));
    }

    [Fact]
    public async Task List_Json_PrintsHeraldsListObject()
    {
        var type = HeraldServerFixture.UniqueEventType();
        var id = await CreateAsync(type);

        var output = await CliRunner.SucceedAsync(herald.Env, "webhooks", "list", "--json", "--all");

        using var document = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("next").ValueKind);
        var webhook = Assert.Single(document.RootElement.GetProperty("objects").EnumerateArray(), w => w.GetProperty("id").GetString() == id);
        Assert.Equal(type, webhook.GetProperty("event_type").GetString());
        Assert.False(webhook.TryGetProperty("secret", out _));
    }

    [Fact]
    public async Task List_LimitOne_PrintsNextCursorHintOnStderr()
    {
        await CreateAsync(HeraldServerFixture.UniqueEventType());
        await CreateAsync(HeraldServerFixture.UniqueEventType());

        var result = await CliRunner.RunAsync(herald.Env, "webhooks", "list", "--limit", "1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Matches(@"^more: --cursor \S+", result.Error);
    }

    [Fact]
    public async Task Update_Status_SendsOnlyGivenFields()
    {
        var type = HeraldServerFixture.UniqueEventType();
        var id = await CreateAsync(type, "-q", "data.size>10", "-n", "keep-me");

        var output = await CliRunner.SucceedAsync(herald.Env, "webhooks", "update", id, "--status", "paused", "--json");

        using var document = JsonDocument.Parse(output);
        Assert.Equal("PAUSED", document.RootElement.GetProperty("status").GetString());
        Assert.Equal("keep-me", document.RootElement.GetProperty("name").GetString());
        Assert.Equal("data.size>10", document.RootElement.GetProperty("query").GetString());
    }

    [Fact]
    public async Task Update_NoFields_ExitsUsage()
    {
        var result = await CliRunner.RunAsync(herald.Env, "webhooks", "update", "whatever");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nothing to update", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateSecret_PrintsNewSecret()
    {
        var type = HeraldServerFixture.UniqueEventType();
        var created = JsonDocument.Parse(await CliRunner.SucceedAsync(herald.Env, "webhooks", "create", "-t", "http://127.0.0.1:9/", "-e", type, "--json")).RootElement;
        var id = created.GetProperty("id").GetString()!;

        var output = await CliRunner.SucceedAsync(herald.Env, "webhooks", "rotate-secret", id, "--grace-seconds", "60");

        var secret = Field(output, "secret");
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.NotEqual(created.GetProperty("secret").GetString(), secret);
    }

    [Fact]
    public async Task Delete_ThenShow_ExitsApiErrorWithMessage()
    {
        var id = await CreateAsync(HeraldServerFixture.UniqueEventType());

        Assert.Equal($"deleted webhook {id}\n", await CliRunner.SucceedAsync(herald.Env, "webhooks", "delete", id));
        var result = await CliRunner.RunAsync(herald.Env, "webhooks", "show", id);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 404 webhook not found\n", result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Create_InvalidQuery_ExitsApiErrorWithPath()
    {
        var result = await CliRunner.RunAsync(herald.Env, "webhooks", "create", "-t", "http://127.0.0.1:9/", "-e", "assets", "-q", "data.status=");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: 400 invalid query", result.Error, StringComparison.Ordinal);
        Assert.Contains("at: query", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_MissingTarget_ExitsUsageWithoutCallingHerald()
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string> { ["HERALD_URL"] = "http://127.0.0.1:1", ["HERALD_KEY"] = "k" }, "webhooks", "create", "-e", "assets");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--target", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_FromDefinitionOnStdin_FlagsOverrideIt()
    {
        var type = HeraldServerFixture.UniqueEventType();
        var definition = JsonSerializer.Serialize(new { url = "http://127.0.0.1:9/from-file", event_type = type, name = "from-definition", realm = "entity" });

        var result = await CliRunner.RunWithInputAsync(herald.Env, definition, "webhooks", "create", "--definition", "-", "--name", "overridden", "--json");

        Assert.Equal(0, result.ExitCode);
        var webhook = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal("overridden", webhook.GetProperty("name").GetString());
        Assert.Equal("entity", webhook.GetProperty("realm").GetString());
        Assert.Equal("http://127.0.0.1:9/from-file", webhook.GetProperty("url").GetString());
    }

    [Fact]
    public async Task List_WrongKey_ExitsApiError()
    {
        var env = new Dictionary<string, string> { ["HERALD_URL"] = herald.Server.Url, ["HERALD_KEY"] = "not-a-key" };

        var result = await CliRunner.RunAsync(env, "webhooks", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: 401 ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_FlagsOverrideEnvironment()
    {
        var env = new Dictionary<string, string> { ["HERALD_URL"] = "http://127.0.0.1:1", ["HERALD_KEY"] = "not-a-key" };

        var result = await CliRunner.RunAsync(env, "webhooks", "list", "--url", herald.Server.Url, "--key", HeraldServer.AdminKey);

        Assert.Equal(0, result.ExitCode);
    }

    private async Task<string> CreateAsync(string eventType, params string[] extra)
    {
        var output = await CliRunner.SucceedAsync(herald.Env, ["webhooks", "create", "-t", "http://127.0.0.1:9/hook", "-e", eventType, "--json", .. extra]);
        return JsonDocument.Parse(output).RootElement.GetProperty("id").GetString()!;
    }

    internal static string Field(string output, string label) =>
        output.Split('\n').Select(l => l.Split(':', 2)).Single(p => p.Length == 2 && p[0] == label)[1].Trim();
}
