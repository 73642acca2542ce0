using Herald.Cli.Tests.Infrastructure;

namespace Herald.Cli.Tests.Commands;

/// <summary>Exit codes that need no server.</summary>
public sealed class UsageTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public async Task Run_NoCommand_ExitsUsage()
    {
        var result = await CliRunner.RunAsync(NoEnvironment);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Run 'herald --help' for usage.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownSubcommand_ExitsUsageNamingTheGroup()
    {
        var result = await CliRunner.RunAsync(NoEnvironment, "webhooks", "frobnicate");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'frobnicate'", result.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'herald webhooks --help'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Help_ExitsZeroAndListsCommands()
    {
        var result = await CliRunner.RunAsync(NoEnvironment, "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "webhooks", "events", "deliveries", "query", "listen" })
        {
            Assert.Contains(command, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task List_NoKey_ExitsUsage()
    {
        var result = await CliRunner.RunAsync(NoEnvironment, "webhooks", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: no API key: pass --key or set HERALD_KEY\n", result.Error);
    }

    [Fact]
    public async Task List_BadUrl_ExitsUsage()
    {
        var result = await CliRunner.RunAsync(NoEnvironment, "webhooks", "list", "--url", "ftp://example", "--key", "k");

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task List_NothingListening_ExitsUnavailable()
    {
        var port = ChildProcess.FreePort();

        var result = await CliRunner.RunAsync(new Dictionary<string, string> { ["HERALD_URL"] = $"http://127.0.0.1:{port}", ["HERALD_KEY"] = "k" }, "webhooks", "list");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"error: cannot reach Herald at http://127.0.0.1:{port}/", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ServerAnswers500_ExitsUnavailable()
    {
        await using var stub = await StubEndpoint.StartAsync();
        stub.Respond = _ => 500;

        var result = await CliRunner.RunAsync(new Dictionary<string, string> { ["HERALD_URL"] = stub.BaseUrl, ["HERALD_KEY"] = "k" }, "deliveries", "list");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error: 500 ", result.Error, StringComparison.Ordinal);
        Assert.Equal("Bearer k", Assert.Single(stub.Requests).Header("Authorization"));
    }
}
