using Herald.Delivery.Dispatching;

namespace Herald.Delivery.Tests.Dispatching;

public sealed class PartitionOptionsValidatorTests
{
    private readonly PartitionOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(_validator.Validate(null, new PartitionOptions()).Succeeded);
    }

    [Fact]
    public void Validate_LeaseTooShort_NamesTheSettingAndRange()
    {
        var result = _validator.Validate(null, new PartitionOptions { LeaseTime = TimeSpan.FromMilliseconds(500), RebalanceEvery = TimeSpan.FromMilliseconds(100), FenceMargin = TimeSpan.Zero });

        Assert.Contains("Herald:Partitions:LeaseTime is 00:00:00.5000000; it must be from 00:00:01 to 00:10:00", result.Failures!);
    }

    [Fact]
    public void Validate_RoundsNoMoreOftenThanTheFence_Refused()
    {
        var result = _validator.Validate(null, new PartitionOptions { LeaseTime = TimeSpan.FromSeconds(10), RebalanceEvery = TimeSpan.FromSeconds(8), FenceMargin = TimeSpan.FromSeconds(2) });

        Assert.Single(result.Failures!, f => f.StartsWith("Herald:Partitions:RebalanceEvery (00:00:08) must be shorter than", StringComparison.Ordinal));
    }
}
