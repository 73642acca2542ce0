using Herald.Core.Deliveries;

namespace Herald.Core.Tests.Deliveries;

public sealed class RetryPolicyTests
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void DefaultSchedule_IsSpecSchedule()
    {
        Assert.Equal([5, 300, 1800, 7200, 18000, 36000, 36000], RetryPolicy.DefaultSchedule);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 300)]
    [InlineData(3, 1800)]
    [InlineData(4, 7200)]
    [InlineData(5, 18000)]
    [InlineData(6, 36000)]
    [InlineData(7, 36000)]
    public void NextDelay_DefaultScheduleMiddleJitter_IsScheduledDelay(int attemptsMade, int seconds)
    {
        var delay = RetryPolicy.NextDelay(attemptsMade, null, 0.5);

        AssertClose(TimeSpan.FromSeconds(seconds), delay);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 300)]
    [InlineData(4, 7200)]
    [InlineData(7, 36000)]
    public void NextDelay_UnitRandomZero_IsEightyPercent(int attemptsMade, int seconds)
    {
        var delay = RetryPolicy.NextDelay(attemptsMade, null, 0);

        AssertClose(TimeSpan.FromSeconds(seconds * 0.8), delay);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(3, 1800)]
    [InlineData(5, 18000)]
    [InlineData(7, 36000)]
    public void NextDelay_UnitRandomOne_IsHundredTwentyPercent(int attemptsMade, int seconds)
    {
        var delay = RetryPolicy.NextDelay(attemptsMade, null, 1);

        AssertClose(TimeSpan.FromSeconds(seconds * 1.2), delay);
    }

    [Fact]
    public void NextDelay_AnyUnitRandom_StaysWithinTwentyPercent()
    {
        var random = new Random(1234);
        for (var attempt = 1; attempt <= RetryPolicy.DefaultSchedule.Count; attempt++)
        {
            var scheduled = TimeSpan.FromSeconds(RetryPolicy.DefaultSchedule[attempt - 1]);
            for (var i = 0; i < 200; i++)
            {
                var delay = RetryPolicy.NextDelay(attempt, null, random.NextDouble())!.Value;
                Assert.InRange(delay, scheduled * 0.8 - Tolerance, scheduled * 1.2 + Tolerance);
            }
        }
    }

    [Theory]
    [InlineData(-0.5, 0.8)]
    [InlineData(3.0, 1.2)]
    public void NextDelay_UnitRandomOutOfRange_IsClamped(double unitRandom, double factor)
    {
        var delay = RetryPolicy.NextDelay(2, null, unitRandom);

        AssertClose(TimeSpan.FromSeconds(300 * factor), delay);
    }

    [Fact]
    public void NextDelay_DefaultScheduleExhausted_ReturnsNull()
    {
        Assert.NotNull(RetryPolicy.NextDelay(7, null, 0.5));
        Assert.Null(RetryPolicy.NextDelay(8, null, 0.5));
        Assert.Null(RetryPolicy.NextDelay(100, null, 0.5));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void NextDelay_NoAttemptMadeYet_ReturnsNull(int attemptsMade)
    {
        Assert.Null(RetryPolicy.NextDelay(attemptsMade, null, 0.5));
    }

    [Fact]
    public void NextDelay_CustomSchedule_UsesItsDelaysAndLength()
    {
        int[] schedule = [1, 60, 3600];

        AssertClose(TimeSpan.FromSeconds(1), RetryPolicy.NextDelay(1, schedule, 0.5));
        AssertClose(TimeSpan.FromSeconds(60), RetryPolicy.NextDelay(2, schedule, 0.5));
        AssertClose(TimeSpan.FromSeconds(3600 * 0.8), RetryPolicy.NextDelay(3, schedule, 0));
        Assert.Null(RetryPolicy.NextDelay(4, schedule, 0.5));
    }

    [Fact]
    public void NextDelay_EmptyCustomSchedule_NeverRetries()
    {
        Assert.Null(RetryPolicy.NextDelay(1, [], 0.5));
    }

    [Fact]
    public void NextDelay_ZeroDelayEntry_IsZero()
    {
        Assert.Equal(TimeSpan.Zero, RetryPolicy.NextDelay(1, [0], 1));
    }

    [Fact]
    public void ApplyRetryAfter_NoHeader_KeepsScheduled()
    {
        var scheduled = TimeSpan.FromMinutes(5);

        Assert.Equal(scheduled, RetryPolicy.ApplyRetryAfter(scheduled, null));
    }

    [Fact]
    public void ApplyRetryAfter_ShorterThanScheduled_ClampsUpToScheduled()
    {
        var scheduled = TimeSpan.FromMinutes(5);

        Assert.Equal(scheduled, RetryPolicy.ApplyRetryAfter(scheduled, TimeSpan.FromSeconds(10)));
        Assert.Equal(scheduled, RetryPolicy.ApplyRetryAfter(scheduled, TimeSpan.Zero));
    }

    [Fact]
    public void ApplyRetryAfter_WithinRange_IsHonoured()
    {
        var scheduled = TimeSpan.FromMinutes(5);

        Assert.Equal(TimeSpan.FromMinutes(7), RetryPolicy.ApplyRetryAfter(scheduled, TimeSpan.FromMinutes(7)));
        Assert.Equal(scheduled * 2, RetryPolicy.ApplyRetryAfter(scheduled, scheduled * 2));
    }

    [Fact]
    public void ApplyRetryAfter_LongerThanTwiceScheduled_ClampsToTwiceScheduled()
    {
        var scheduled = TimeSpan.FromMinutes(5);

        Assert.Equal(TimeSpan.FromMinutes(10), RetryPolicy.ApplyRetryAfter(scheduled, TimeSpan.FromHours(3)));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void IsThrottle_ThrottlingStatus_True(int statusCode)
    {
        Assert.True(RetryPolicy.IsThrottle(statusCode));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(200)]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(500)]
    [InlineData(501)]
    public void IsThrottle_OtherStatus_False(int statusCode)
    {
        Assert.False(RetryPolicy.IsThrottle(statusCode));
    }

    private static void AssertClose(TimeSpan expected, TimeSpan? actual)
    {
        Assert.NotNull(actual);
        Assert.InRange(actual.Value, expected - Tolerance, expected + Tolerance);
    }
}
