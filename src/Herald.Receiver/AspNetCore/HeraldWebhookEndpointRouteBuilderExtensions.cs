using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Receiver;

/// <summary>Maps a Herald webhook receiver onto ASP.NET Core endpoint routing.</summary>
public static class HeraldWebhookEndpointRouteBuilderExtensions
{
    /// <summary>The configuration key of a list of secrets.</summary>
    public const string SecretsConfigurationKey = "Herald:Receiver:Secrets";

    /// <summary>The configuration key of a single secret (environment variable <c>Herald__Receiver__Secret</c>).</summary>
    public const string SecretConfigurationKey = "Herald:Receiver:Secret";

    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c> to <paramref name="handler"/>, with the secrets taken from
    /// configuration (<see cref="SecretConfigurationKey"/> or <see cref="SecretsConfigurationKey"/>) and
    /// every other setting at its default.
    /// </summary>
    /// <param name="endpoints">The application or route group.</param>
    /// <param name="pattern">The route, e.g. <c>/hooks</c>.</param>
    /// <param name="handler">Processes each verified, first-seen delivery.</param>
    /// <returns>A builder to add conventions (authorization, host filters, ...) to the endpoint.</returns>
    /// <exception cref="InvalidOperationException">No secret is configured, or a setting is invalid.</exception>
    public static IEndpointConventionBuilder MapHeraldWebhook(this IEndpointRouteBuilder endpoints, string pattern, WebhookHandler handler) =>
        MapHeraldWebhook(endpoints, pattern, handler, configure: null);

    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c> to <paramref name="handler"/>. Each request is handled as follows:
    /// <list type="number">
    /// <item>the raw body is read (413 beyond <see cref="HeraldWebhookOptions.MaxBodySize"/>);</item>
    /// <item>the signature and timestamp are verified: 401 with the reason, or 400 when a header is malformed;</item>
    /// <item>the delivery id is read and the body parsed as JSON (400 when either fails);</item>
    /// <item>the delivery id is claimed: a processed duplicate answers 200 <c>{"status":"duplicate"}</c> without
    /// calling the handler; a copy still being processed by another request answers 409, so the sender retries;</item>
    /// <item>with ordering on, an event not newer than the last one handled for its object answers 200
    /// <c>{"status":"stale"}</c> without calling the handler;</item>
    /// <item>the handler runs. On success the delivery id is marked processed and 200 <c>{"status":"processed"}</c>
    /// is answered; when it throws, the claim is released and 500 is answered, so the retry gets through.</item>
    /// </list>
    /// </summary>
    /// <param name="endpoints">The application or route group.</param>
    /// <param name="pattern">The route, e.g. <c>/hooks</c>.</param>
    /// <param name="handler">Processes each verified, first-seen delivery.</param>
    /// <param name="configure">Sets secrets, tolerance, the de-duplication store and ordering.</param>
    /// <returns>A builder to add conventions (authorization, host filters, ...) to the endpoint.</returns>
    /// <exception cref="InvalidOperationException">No secret is configured, or a setting is invalid.</exception>
    public static IEndpointConventionBuilder MapHeraldWebhook(
        this IEndpointRouteBuilder endpoints, string pattern, WebhookHandler handler, Action<HeraldWebhookOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(handler);

        var options = new HeraldWebhookOptions();
        configure?.Invoke(options);
        var services = endpoints.ServiceProvider;
        if (options.Secrets.Count == 0)
        {
            AddConfiguredSecrets(services.GetService<IConfiguration>(), options.Secrets);
        }

        if (options.MaxBodySize is <= 0 or > int.MaxValue)
        {
            throw new InvalidOperationException($"MaxBodySize must be between 1 and {int.MaxValue} bytes.");
        }

        var timeProvider = options.TimeProvider ?? services.GetService<TimeProvider>() ?? TimeProvider.System;
        var verifier = CreateVerifier(options, pattern, timeProvider);
        var deduplication = options.DeduplicationStore
            ?? services.GetService<IDeliveryDeduplicationStore>()
            ?? new InMemoryDeliveryDeduplicationStore(timeProvider: timeProvider);
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Herald.Receiver") ?? NullLogger.Instance;

        var endpoint = new WebhookEndpoint(verifier, deduplication, options.Ordering, handler, options.MaxBodySize, logger);
        return endpoints.MapPost(pattern, endpoint.HandleAsync).WithDisplayName($"Herald webhook {pattern}");
    }

    private static WebhookVerifier CreateVerifier(HeraldWebhookOptions options, string pattern, TimeProvider timeProvider)
    {
        if (options.Secrets.Count == 0)
        {
            throw new InvalidOperationException(
                $"No webhook secret for {pattern}: set HeraldWebhookOptions.Secrets or the configuration key {SecretConfigurationKey}.");
        }

        var verifierOptions = new WebhookVerifierOptions { Tolerance = options.TimestampTolerance, Schemes = options.Schemes };
        foreach (var secret in options.Secrets)
        {
            verifierOptions.Secrets.Add(secret);
        }

        try
        {
            return new WebhookVerifier(verifierOptions, timeProvider);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidOperationException($"Invalid webhook settings for {pattern}: {exception.Message}", exception);
        }
    }

    private static void AddConfiguredSecrets(IConfiguration? configuration, IList<string> secrets)
    {
        if (configuration is null)
        {
            return;
        }

        if (configuration[SecretConfigurationKey] is { Length: > 0 } single)
        {
            secrets.Add(single);
        }

        foreach (var child in configuration.GetSection(SecretsConfigurationKey).GetChildren())
        {
            if (child.Value is { Length: > 0 } value)
            {
                secrets.Add(value);
            }
        }
    }
}
