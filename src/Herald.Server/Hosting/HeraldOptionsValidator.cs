using Herald.Delivery.Security;
using Microsoft.Extensions.Options;

namespace Herald.Server.Hosting;

/// <summary>
/// <c>Herald:*</c> (and the <c>HERALD_*</c> variables) checked before anything is built: each
/// failure names the setting and what is wrong with its value.
/// </summary>
internal sealed class HeraldOptionsValidator : IValidateOptions<HeraldOptions>
{
    public const int MinAdminKeyLength = 16;
    public const int MinEventBodyBytes = 1024;
    public const int MaxEventBodyBytes = 256 * 1024 * 1024;

    public const int MinIngestBytesInFlight = 64 * 1024;

    public const int MaxIngestBytesInFlight = 1024 * 1024 * 1024;
    public const int MaxWebhooksPerDomainLimit = 1_000_000;

    public static void ThrowIfInvalid(HeraldOptions options)
    {
        var result = new HeraldOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(HeraldOptions), result.Failures);
        }
    }

    public ValidateOptionsResult Validate(string? name, HeraldOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Database))
        {
            failures.Add("Herald:Database (HERALD_DATABASE) is empty; give a SQLite file path or a PostgreSQL connection string (Host=...)");
        }
        else if (DatabaseSetting.IsConnectionString(options.Database))
        {
            // Never echoed: a connection string may hold a password.
            if (DatabaseSetting.ParsePostgres(options.Database, out var error) is null)
            {
                failures.Add($"Herald:Database (HERALD_DATABASE) {error}");
            }
        }
        else if (options.Database.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || Directory.Exists(options.Database))
        {
            failures.Add($"Herald:Database (HERALD_DATABASE) '{options.Database}' is not a file path (a folder or invalid characters)");
        }

        // The key itself is never echoed: only what is wrong with it.
        if (options.AdminKey is { } key && (key.Length < MinAdminKeyLength || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            failures.Add($"Herald:AdminKey (HERALD_ADMIN_KEY) must be at least {MinAdminKeyLength} characters without spaces or control characters");
        }

        try
        {
            NetworkPolicy.Parse(options.AllowedNetworks);
        }
        catch (FormatException ex)
        {
            failures.Add($"Herald:AllowedNetworks (HERALD_ALLOWED_NETWORKS): {ex.Message}");
        }

        if (options.DataProtectionKeys is { } keys && (keys.Trim().Length == 0 || File.Exists(keys)))
        {
            failures.Add($"Herald:DataProtectionKeys '{keys}' must be a folder path");
        }

        if (options.MaxEventBodyBytes is < MinEventBodyBytes or > MaxEventBodyBytes)
        {
            failures.Add($"Herald:MaxEventBodyBytes is {options.MaxEventBodyBytes}; it must be from {MinEventBodyBytes} to {MaxEventBodyBytes}");
        }

        if (options.MaxIngestBytesInFlight is < MinIngestBytesInFlight or > MaxIngestBytesInFlight)
        {
            failures.Add($"Herald:MaxIngestBytesInFlight is {options.MaxIngestBytesInFlight}; it must be from {MinIngestBytesInFlight} to {MaxIngestBytesInFlight}");
        }

        if (options.MaxWebhooksPerDomain is < 0 or > MaxWebhooksPerDomainLimit)
        {
            failures.Add($"Herald:MaxWebhooksPerDomain is {options.MaxWebhooksPerDomain}; it must be from 0 (no limit) to {MaxWebhooksPerDomainLimit}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
