using Microsoft.Extensions.Options;

namespace Herald.Delivery.Dispatching;

/// <summary><c>Herald:Partitions:*</c> checked at start: each failure names the setting, the value and the range.</summary>
internal sealed class PartitionOptionsValidator : IValidateOptions<PartitionOptions>
{
    private const string Section = "Herald:Partitions:";

    public ValidateOptionsResult Validate(string? name, PartitionOptions options)
    {
        var failures = new List<string>();
        Range(failures, nameof(options.LeaseTime), options.LeaseTime, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Range(failures, nameof(options.RebalanceEvery), options.RebalanceEvery, TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1));
        Range(failures, nameof(options.FenceMargin), options.FenceMargin, TimeSpan.Zero, TimeSpan.FromMinutes(1));

        // A node must get to renew before it fences itself off, or it would stop sending between rounds.
        if (options.RebalanceEvery >= options.LeaseTime - options.FenceMargin)
        {
            failures.Add(
                $"{Section}{nameof(options.RebalanceEvery)} ({options.RebalanceEvery}) must be shorter than {Section}{nameof(options.LeaseTime)} "
                + $"less {Section}{nameof(options.FenceMargin)} ({options.LeaseTime - options.FenceMargin})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Section}{setting} is {value}; it must be from {min} to {max}");
        }
    }
}
