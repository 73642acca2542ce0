using Herald.Core.Deliveries;

namespace Herald.Core.Tests.Deliveries;

public sealed class RetryJitterTests
{
    [Fact]
    public void NextUnit_SameSeed_SameDelays()
    {
        var first = new RetryJitter(new Random(42));
        var second = new RetryJitter(new Random(42));

        var a = Enumerable.Range(1, 7).Select(n => RetryPolicy.NextDelay(n, null, first.NextUnit())).ToList();
        var b = Enumerable.Range(1, 7).Select(n => RetryPolicy.NextDelay(n, null, second.NextUnit())).ToList();

        Assert.Equal(a, b);
    }

    [Fact]
    public async Task NextUnit_ManyThreadsAtOnce_StaysInRangeAndKeepsVarying()
    {
        // A seeded Random used from many threads without a lock can break down and return only zeros.
        var jitter = new RetryJitter(new Random(7));
        var values = new System.Collections.Concurrent.ConcurrentBag<double>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                values.Add(jitter.NextUnit());
            }
        })));

        Assert.All(values, v => Assert.InRange(v, 0, 1));
        Assert.True(values.Count(v => v == 0) < 10);
        Assert.True(values.Distinct().Count() > 100_000);
    }
}
