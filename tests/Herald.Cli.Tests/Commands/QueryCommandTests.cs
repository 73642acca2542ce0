using System.Text.Json;
using Herald.Cli.Tests.Infrastructure;

namespace Herald.Cli.Tests.Commands;

[Collection(HeraldServerCollection.Name)]
public sealed class QueryCommandTests(HeraldServerFixture herald)
{
    [Theory]
    [InlineData("data.status=\"CLOSED\"", "match\n")]
    [InlineData("data.status=\"OPEN\"", "no match\n")]
    public async Task Test_ValidQuery_PrintsMatchAndExitsZero(string query, string expected)
    {
        var output = await CliRunner.SucceedAsync(herald.Env, "query", "test", query, "--event", Built.Seed("blog-proxies-update.json"));

        Assert.Equal(expected, output);
    }

    [Fact]
    public async Task Test_Json_PrintsHeraldsAnswer()
    {
        var output = await CliRunner.SucceedAsync(herald.Env, "query", "test", "realm=\"proxies\"", "--event", Built.Seed("blog-proxies-update.json"), "--json");

        Assert.True(JsonDocument.Parse(output).RootElement.GetProperty("matches").GetBoolean());
    }

    [Fact]
    public async Task Test_InvalidQuery_ExitsApiErrorWithCaretUnderColumn()
    {
        var result = await CliRunner.RunAsync(herald.Env, "query", "test", "data.width>=\"1920\"", "--event", "{\"data\":{}}");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: invalid query at column 11: strings do not support >=\n  data.width>=\"1920\"\n            ^\n", result.Error);
    }

    [Fact]
    public async Task Validate_ValidAndInvalid_ExitCodes()
    {
        var valid = await CliRunner.RunAsync(herald.Env, "query", "validate", "data.status=\"CLOSED\" AND realm=\"proxies\"");
        var invalid = await CliRunner.RunAsync(herald.Env, "query", "validate", "data.status=");

        Assert.Equal((0, "valid\n"), (valid.ExitCode, valid.Output));
        Assert.Equal(1, invalid.ExitCode);
        Assert.StartsWith("error: invalid query at column", invalid.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_MissingEventOption_ExitsUsage()
    {
        var result = await CliRunner.RunAsync(herald.Env, "query", "test", "a=1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--event", result.Error, StringComparison.Ordinal);
    }
}
