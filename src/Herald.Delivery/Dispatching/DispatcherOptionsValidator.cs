using Microsoft.Extensions.Options;

namespace Herald.Delivery.Dispatching;

/// <summary>
/// <c>Herald:Dispatcher:*</c> checked at start (ValidateOnStart): each failure names the setting,
/// the value given and the range allowed (docs/configuration.md lists them).
/// </summary>
internal sealed class DispatcherOptionsValidator : IValidateOptions<DispatcherOptions>
{
    private const string Section = "Herald:Dispatcher:";

    public ValidateOptionsResult Validate(string? name, DispatcherOptions options)
    {
        var failures = new List<string>();
        Range(failures, nameof(options.MaxConcurrency), options.MaxConcurrency, 1, 10_000);
        Range(failures, nameof(options.PerWebhookConcurrency), options.PerWebhookConcurrency, 1, 1_000);
        Range(failures, nameof(options.CircuitFailureThreshold), options.CircuitFailureThreshold, 1, 1_000);
        Range(failures, nameof(options.CircuitOpenFor), options.CircuitOpenFor, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Range(failures, nameof(options.CircuitMaxOpenFor), options.CircuitMaxOpenFor, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        if (options.CircuitMaxOpenFor < options.CircuitOpenFor)
        {
            failures.Add($"{Section}{nameof(options.CircuitMaxOpenFor)} ({options.CircuitMaxOpenFor}) must not be shorter than {Section}{nameof(options.CircuitOpenFor)} ({options.CircuitOpenFor})");
        }

        Range(failures, nameof(options.LaneWaitTarget), options.LaneWaitTarget, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Range(failures, nameof(options.MaxWaitingLanes), options.MaxWaitingLanes, 1, 64);
        Range(failures, nameof(options.ClaimBatch), options.ClaimBatch, 1, 10_000);
        Range(failures, nameof(options.LeaseSlack), options.LeaseSlack, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Range(failures, nameof(options.MaxIdle), options.MaxIdle, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        Range(failures, nameof(options.DisableAfter), options.DisableAfter, TimeSpan.FromMinutes(1), TimeSpan.FromDays(365));

        // The host allows 30 s for the whole shutdown; the grace must leave room to release leases.
        Range(failures, nameof(options.ShutdownGrace), options.ShutdownGrace, TimeSpan.Zero, TimeSpan.FromSeconds(25));
        if (string.IsNullOrWhiteSpace(options.NodeId) || options.NodeId.Length > 200 || options.NodeId.Any(char.IsControl))
        {
            failures.Add($"{Section}{nameof(options.NodeId)} must be 1 to 200 characters without control characters");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Section}{setting} is {value}; it must be from {min} to {max}");
        }
    }

    private static void Range(List<string> failures, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Section}{setting} is {value}; it must be from {min} to {max}");
        }
    }
}
