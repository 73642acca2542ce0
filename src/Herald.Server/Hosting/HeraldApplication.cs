using System.Text.Json;
using Herald.Delivery;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Security;
using Microsoft.AspNetCore.DataProtection;
using Herald.Delivery.Webhooks;
using Herald.Server.Admin;
using Herald.Server.Auth;
using Herald.Storage;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald.Server.Hosting;

/// <summary>The composition root: services in, endpoints out.</summary>
internal static class HeraldApplication
{
    public static WebApplicationBuilder AddHerald(this WebApplicationBuilder builder)
    {
        // Checked here, not only on start: the database path and allowed networks are used below.
        var options = HeraldConfiguration.Read(builder.Configuration);
        HeraldOptionsValidator.ThrowIfInvalid(options);

        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? "http://127.0.0.1:5080");
        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        if (DatabaseSetting.IsConnectionString(options.Database))
        {
            // A cluster node: the stores, change notices (LISTEN/NOTIFY), partition leases and the
            // database's clock as the process's TimeProvider (unless a test registered its own).
            services.AddHeraldPostgres(new PostgresOptions { ConnectionString = options.Database });
        }
        else
        {
            services.TryAddSingleton(TimeProvider.System);
            services.AddHeraldSqlite(new SqliteOptions { Path = options.Database });
        }

        services.AddOptions<DispatcherOptions>().Bind(builder.Configuration.GetSection("Herald:Dispatcher")).ValidateOnStart();
        services.AddOptions<PartitionOptions>().Bind(builder.Configuration.GetSection("Herald:Partitions")).ValidateOnStart();
        services.AddHeraldDelivery(NetworkPolicy.Parse(options.AllowedNetworks));
        services.AddHeraldRecovery(builder.Configuration);
        services.AddDataProtection()
            .SetApplicationName("Herald")
            .PersistKeysToHeraldStore();
        services.AddSingleton<WebhookReader>();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton(new IngestBudget(options.MaxIngestBytesInFlight));
        builder.AddHeraldTelemetry();
        services.AddHeraldOpenApi();
        services.AddHeraldAdminUi();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DictionaryKeyPolicy = null;
        });
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    public static async Task<WebApplication> UseHeraldAsync(this WebApplication app)
    {
        // Every ValidateOnStart check runs now, before anything reads a setting or the host logs a
        // failed start: a bad value stops the process with its message only.
        app.Services.GetService<IStartupValidator>()?.Validate();
        var options = app.Services.GetRequiredService<IOptions<HeraldOptions>>().Value;

        // Startup steps, in order: the schema (under the provider's migration lock), then the Data
        // Protection keys of an install that kept them in a folder (before anything decrypts), then
        // the caches that later follow the store's change notices.
        await app.Services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        if (HeraldConfiguration.LegacyKeysFolder(options) is { } keysFolder)
        {
            await StoreXmlRepository.ImportFolderAsync(app.Services.GetRequiredService<IDataProtectionKeyStore>(), keysFolder, CancellationToken.None);
        }
        await SharedKeyRing.EnsureKeyAsync(app.Services, CancellationToken.None);
        await app.Services.GetRequiredService<ApiKeyAuthenticator>().InitializeAsync(options.AdminKey, CancellationToken.None);
        await app.Services.GetRequiredService<WebhookRegistry>().RefreshAsync(CancellationToken.None);
        app.UseMiddleware<ErrorResponseMiddleware>();
        app.UseApiStatusPages();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapHealthApi();
        app.MapWebhooksApi();
        app.MapEventsApi();
        app.MapDeliveriesApi();
        app.MapKeysApi();
        app.MapQueryApi();
        app.MapIconikWebhooksApi();
        app.MapMetricsApi();
        app.MapHeraldOpenApi();
        app.MapHeraldAdminUi();
        app.MapReplaysApi();
        app.MapRecoveryApi();
        return app;
    }
}
