using Herald.Receiver;
using Microsoft.Extensions.Options;

namespace AutoAnalyze;

/// <summary>Composition: services in <see cref="AddAutoAnalyze"/>, the two webhook endpoints in <see cref="UseAutoAnalyzeAsync"/>.</summary>
internal static class AutoAnalyzeApplication
{
    public static WebApplicationBuilder AddAutoAnalyze(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AutoAnalyzeOptions>()
            .Bind(builder.Configuration.GetSection(AutoAnalyzeOptions.Section))
            .Validate(o => Uri.TryCreate(o.AnalysisUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https", "AutoAnalyze:AnalysisUrl must be an absolute http(s) URL")
            .Validate(o => !string.IsNullOrWhiteSpace(o.CreateSecret), "AutoAnalyze:CreateSecret is required: the secret Herald printed for the create webhook")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ProxySecret), "AutoAnalyze:ProxySecret is required: the secret Herald printed for the proxy webhook")
            .Validate(o => o.ClaimTimeout > TimeSpan.Zero && o.UnmatchedRetention > TimeSpan.Zero, "AutoAnalyze:ClaimTimeout and UnmatchedRetention must be positive")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AssetStore>();
        services.AddSingleton<AssetWebhooks>();
        services.AddSingleton<AnalysisClient>();
        services.AddHttpClient(AnalysisClient.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(20));

        // Seen delivery ids live beside the assets, so a restart does not forget them.
        services.AddSingleton<IDeliveryDeduplicationStore>(sp =>
            new SqliteDeliveryDeduplicationStore(sp.GetRequiredService<IOptions<AutoAnalyzeOptions>>().Value.Database));
        return builder;
    }

    public static async Task<WebApplication> UseAutoAnalyzeAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<AutoAnalyzeOptions>>().Value;
        await app.Services.GetRequiredService<AssetStore>().InitializeAsync(CancellationToken.None);
        var webhooks = app.Services.GetRequiredService<AssetWebhooks>();

        // The original's two endpoints; each webhook has its own signing secret.
        app.MapHeraldWebhook("/create", webhooks.OnAssetCreatedAsync, o => o.Secrets.Add(options.CreateSecret));
        app.MapHeraldWebhook("/proxy", webhooks.OnProxyUpdatedAsync, o => o.Secrets.Add(options.ProxySecret));
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
        return app;
    }
}
