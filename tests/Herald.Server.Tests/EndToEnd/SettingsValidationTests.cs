using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>
/// Issue 14: every setting is checked at start; a bad value stops a real server process with a
/// non-zero exit and a message naming the setting (docs/configuration.md lists the ranges).
/// </summary>
public sealed class SettingsValidationTests
{
    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Herald__Dispatcher__MaxConcurrency", "0", "Herald:Dispatcher:MaxConcurrency" },
        { "Herald__Dispatcher__PerWebhookConcurrency", "5000", "Herald:Dispatcher:PerWebhookConcurrency" },
        { "Herald__Dispatcher__CircuitOpenFor", "00:10:00", "Herald:Dispatcher:CircuitMaxOpenFor" },
        { "Herald__Dispatcher__ClaimBatch", "-1", "Herald:Dispatcher:ClaimBatch" },
        { "Herald__Dispatcher__MaxIdle", "soon", "Herald:Dispatcher:MaxIdle" },
        { "Herald__Dispatcher__ShutdownGrace", "00:05:00", "Herald:Dispatcher:ShutdownGrace" },
        { "Herald__Dispatcher__DisableAfter", "00:00:01", "Herald:Dispatcher:DisableAfter" },
        { "Herald__Retention__Days", "-1", "Herald:Retention:Days" },
        { "Herald__Retention__BatchSize", "0", "Herald:Retention:BatchSize" },
        { "Herald__Replay__ChunkSize", "100000", "Herald:Replay:ChunkSize" },
        { "Herald__Replay__PollInterval", "00:00:00", "Herald:Replay:PollInterval" },
        { "Herald__MaxEventBodyBytes", "10", "Herald:MaxEventBodyBytes" },
        { "Herald__MaxWebhooksPerDomain", "-3", "Herald:MaxWebhooksPerDomain" },
        { "Herald__MaxIngestBytesInFlight", "1000", "Herald:MaxIngestBytesInFlight" },
        { "HERALD_ALLOWED_NETWORKS", "10.0.0.0/33", "HERALD_ALLOWED_NETWORKS" },
        { "HERALD_ADMIN_KEY", "short", "HERALD_ADMIN_KEY" },
        { "HERALD_DATABASE", "Host=db;Port=five;Username=herald", "HERALD_DATABASE" },
        { "OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", "OTEL_EXPORTER_OTLP_ENDPOINT" },
        { "OTEL_EXPORTER_OTLP_PROTOCOL", "smoke-signals", "OTEL_EXPORTER_OTLP_PROTOCOL" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Start_BadSetting_ExitsNonZeroNamingIt(string variable, string value, string named)
    {
        using var herald = HeraldProcess.Start(new Dictionary<string, string?> { [variable] = value });

        var exitCode = await herald.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        var refusal = herald.Output.Split('\n').Where(l => l.StartsWith("Herald cannot start: ", StringComparison.Ordinal)).ToList();
        Assert.True(refusal.Count > 0, herald.Output);
        Assert.Contains(refusal, line => line.Contains(named, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", herald.Output, StringComparison.Ordinal);
        if (variable == "HERALD_ADMIN_KEY")
        {
            Assert.DoesNotContain($"'{value}'", herald.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Host=db;Port=not-a-port;Username=herald;Password=pw-Secret-4711", "'Port'")]
    [InlineData("Host=db;Hots=db2;Username=herald;Password=pw-Secret-4711", "'Hots'")]
    [InlineData("Username=herald;Password=pw-Secret-4711;Database=herald", "no Host")]
    [InlineData("Host=db;Password='pw-Secret-4711;Username=herald", "well-formed")]
    [InlineData("Host=db;Username=herald;Password=pw-Secret-4711;Pooling=maybe", "'Pooling'")]
    public async Task Start_MalformedConnectionString_Exits2NamingDatabaseWithoutPassword(string connectionString, string reason)
    {
        using var herald = HeraldProcess.Start(new Dictionary<string, string?> { ["HERALD_DATABASE"] = connectionString });

        var exitCode = await herald.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        var refusal = herald.Output.Split('\n').Single(l => l.StartsWith("Herald cannot start: ", StringComparison.Ordinal));
        Assert.Contains("HERALD_DATABASE", refusal, StringComparison.Ordinal);
        Assert.Contains(reason, refusal, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Secret-4711", herald.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", herald.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_GoodSettingsAtTheirLimits_Serves()
    {
        using var herald = HeraldProcess.Start(new Dictionary<string, string?>
        {
            ["Herald__Dispatcher__MaxConcurrency"] = "10000",
            ["Herald__Dispatcher__ShutdownGrace"] = "00:00:25",
            ["Herald__Dispatcher__CircuitOpenFor"] = "00:05:00",
            ["Herald__MaxEventBodyBytes"] = "1024",
            ["Herald__Retention__Days"] = "0",
        });

        await herald.WaitUntilReadyAsync();
        await herald.StopAsync();
        Assert.Equal(0, herald.ExitCode);
    }
}
