using Herald.Delivery.Recovery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Delivery;

public static class RecoveryServiceCollectionExtensions
{
    /// <summary>Registers the replay and retention workers, with <c>Herald:Replay</c> and <c>Herald:Retention</c> validated on start.</summary>
    public static IServiceCollection AddHeraldRecovery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReplayOptions>().Bind(configuration.GetSection("Herald:Replay")).ValidateOnStart();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection("Herald:Retention")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReplayOptions>, RecoveryOptionsValidator>();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RecoveryOptionsValidator>();
        services.AddSingleton<ReplayWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplayWorker>());
        services.AddSingleton<RetentionWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionWorker>());
        return services;
    }

    private sealed class RecoveryOptionsValidator : IValidateOptions<ReplayOptions>, IValidateOptions<RetentionOptions>
    {
        public ValidateOptionsResult Validate(string? name, ReplayOptions options) =>
            options.IsValid(out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error!);

        public ValidateOptionsResult Validate(string? name, RetentionOptions options) =>
            options.IsValid(out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error!);
    }
}
