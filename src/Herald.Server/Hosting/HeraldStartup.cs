using Microsoft.Extensions.Options;

namespace Herald.Server.Hosting;

/// <summary>How a refused start is reported: one line per bad setting on standard error, exit code 2.</summary>
internal static class HeraldStartup
{
    public const int BadSettingExitCode = 2;

    /// <summary>
    /// A failed validation, or a value the configuration binder could not convert (its message
    /// names the setting, e.g. "Failed to convert configuration value at 'Herald:MaxIdle'").
    /// </summary>
    public static bool IsBadSetting(Exception exception) =>
        exception is OptionsValidationException
        || (exception is InvalidOperationException && exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        || (exception is AggregateException aggregate && aggregate.InnerExceptions.All(IsBadSetting));

    public static int ReportBadSetting(Exception exception, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var failure in Failures(exception))
        {
            error.WriteLine($"Herald cannot start: {failure}");
        }

        return BadSettingExitCode;
    }

    private static IEnumerable<string> Failures(Exception exception) => exception switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Failures),
        _ => [exception.Message],
    };
}
