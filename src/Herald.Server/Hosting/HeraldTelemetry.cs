using Herald.Delivery.Metrics;
using Herald.Delivery.Tracing;
using Herald.Server.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Herald.Server.Hosting;

/// <summary>
/// Metrics and traces through the OpenTelemetry SDK: the <c>Herald</c> meter and activity source,
/// ASP.NET Core, HttpClient and runtime instrumentation; Prometheus text at <c>/metrics</c> always,
/// OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or a signal's own endpoint variable) is set, with
/// the standard <c>OTEL_*</c> variables read by the exporter itself.
/// </summary>
internal static class HeraldTelemetry
{
    public const string ServiceName = "herald";

    public static void AddHeraldTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        ValidateOtlpSettings(configuration);

        // The Herald meter is enabled through the host's metrics builder, scoped to meters this
        // host's IMeterFactory created: several hosts in one process (tests) never mix numbers,
        // where a provider-wide AddMeter("Herald") would listen to every host's meter.
        services.AddMetrics(metrics => metrics.EnableMetrics(HeraldMetrics.MeterName, instrumentName: null, listenerName: "OpenTelemetry", scopes: MeterScope.Local));
        services.AddSingleton<HeraldGauges>();

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : ServiceName,
                serviceVersion: typeof(HeraldTelemetry).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter(prometheus =>
                    {
                        // Every scrape sees the latest values, and Herald's series keep exactly the
                        // names and labels of the exporter Herald had before (no otel_scope_name
                        // label), so dashboards and alerts keep matching.
                        prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                        prometheus.ScopeInfoEnabled = false;
                    });
                if (OtlpEnabled(configuration, "METRICS"))
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(HeraldActivities.SourceName)
                    .AddAspNetCoreInstrumentation(aspnet =>
                        // Probes and scrapes would drown the traces that matter.
                        aspnet.Filter = context => !IsOperationalPath(context.Request.Path));
                if (OtlpEnabled(configuration, "TRACES"))
                {
                    // The HTTP client's own span under each attempt is only worth its cost
                    // (~15 µs a delivery in the load test) when someone receives it.
                    tracing.AddHttpClientInstrumentation().AddOtlpExporter();
                }
            });

        // Logs carry the current span's trace and span ids: as a scope on the console, and as
        // fields of OTLP log records.
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        // (Naming the formatter makes the console logger read the formatter's own options.)
        services.Configure<ConsoleLoggerOptions>(console => console.FormatterName ??= ConsoleFormatterNames.Simple);
        services.Configure<SimpleConsoleFormatterOptions>(console => console.IncludeScopes = true);
        if (OtlpEnabled(configuration, "LOGS"))
        {
            services.AddOpenTelemetry().WithLogging(logging => logging.AddOtlpExporter());
        }

        // Registered after the OpenTelemetry SDK's own hosted service, so its listeners see this.
        services.AddHostedService<CounterWarmup>();
    }

    /// <summary>Maps <c>/metrics</c> and creates the gauges, so they exist before the first scrape.</summary>
    public static void MapHeraldMetrics(this IEndpointRouteBuilder app)
    {
        app.ServiceProvider.GetRequiredService<HeraldGauges>();
        app.MapPrometheusScrapingEndpoint("/metrics").ExcludeFromDescription();
    }

    /// <summary>The OTLP variables Herald acts on are checked at start like its own settings.</summary>
    private static void ValidateOtlpSettings(IConfiguration configuration)
    {
        var failures = new List<string>();
        foreach (var variable in (string[])["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"])
        {
            if (configuration[variable] is { Length: > 0 } value
                && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            {
                failures.Add($"{variable} '{value}' is not an absolute http:// or https:// URL");
            }
        }

        if (configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] is { Length: > 0 } protocol && protocol is not ("grpc" or "http/protobuf"))
        {
            failures.Add($"OTEL_EXPORTER_OTLP_PROTOCOL '{protocol}' must be grpc or http/protobuf");
        }

        if (failures.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException("OTEL_EXPORTER_OTLP", typeof(HeraldTelemetry), failures);
        }
    }

    private static bool OtlpEnabled(IConfiguration configuration, string signal) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);

    private static bool IsOperationalPath(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");

    /// <summary>Starts Herald's counters at zero once the SDK listens (see <see cref="HeraldMetrics.Touch"/>).</summary>
    private sealed class CounterWarmup(HeraldMetrics metrics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            metrics.Touch();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
