namespace Herald.Cli.Tests.Infrastructure;

/// <summary>One Herald process shared by the command tests; each test uses event types and webhooks of its own.</summary>
public sealed class HeraldServerFixture : IAsyncLifetime
{
    public HeraldServer Server { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> Env => Server.CliEnvironment;

    public async Task InitializeAsync() => Server = await HeraldServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>An event type no other test uses, so webhooks of other tests never match its events.</summary>
    public static string UniqueEventType() => "cli-test-" + Guid.NewGuid().ToString("N")[..12];
}

[CollectionDefinition(Name)]
public sealed class HeraldServerCollection : ICollectionFixture<HeraldServerFixture>
{
    public const string Name = "Herald server";
}
