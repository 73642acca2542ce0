using Herald.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// The real Herald composition (the same AddHerald/UseHeraldAsync as Program.cs) on real Kestrel
/// over loopback, with a database file of the test's own. Tests may swap services (a fake clock).
/// </summary>
public sealed class HeraldHost : IAsyncDisposable
{
    public const string AdminKey = "hk_test_admin_key_for_end_to_end_tests";

    private readonly WebApplication _app;

    private HeraldHost(WebApplication app, string baseUrl, string databasePath)
    {
        _app = app;
        BaseUrl = baseUrl;
        DatabasePath = databasePath;
        Client = CreateClient(AdminKey);
    }

    public string BaseUrl { get; }

    public string DatabasePath { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>An API client holding the admin key.</summary>
    public HeraldClient Client { get; }

    public static async Task<HeraldHost> StartAsync(
        string? databasePath = null,
        Action<IServiceCollection>? services = null,
        IDictionary<string, string?>? settings = null)
    {
        databasePath ??= TempDatabase.NewPath();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--urls", "http://127.0.0.1:0"],
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var config = new Dictionary<string, string?>
        {
            ["Herald:Database"] = databasePath,
            ["Herald:AdminKey"] = AdminKey,
            ["Herald:AllowedNetworks"] = "127.0.0.0/8",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        builder.AddHerald();
        var app = builder.Build();
        await app.UseHeraldAsync();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HeraldHost(app, address.TrimEnd('/'), databasePath);
    }

    public HeraldClient CreateClient(string key) => new(new HttpClient { BaseAddress = new Uri(BaseUrl + "/") }, key);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Database files under one temp folder per test run.</summary>
public static class TempDatabase
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "herald-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string NewPath() => Path.Combine(Root, Guid.NewGuid().ToString("N"), "herald.db");
}
