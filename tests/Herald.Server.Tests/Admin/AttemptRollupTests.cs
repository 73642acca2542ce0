using Herald.Server.Admin;
using Herald.Storage;

namespace Herald.Server.Tests.Admin;

public sealed class AttemptRollupTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 30, 20, TimeSpan.Zero);
    private long _cursor;

    [Fact]
    public void Read_AttemptsOfTheDay_RateP95AndMinutesPerWebhook()
    {
        var rollup = new AttemptRollup();

        // 19 successes of 10..190 ms and one 500 after 1 s, 30 minutes ago; one more 3 hours ago.
        for (var i = 1; i <= 20; i++)
        {
            rollup.Add(Attempt("w1", "dom-a", Now.AddMinutes(-30), i == 20 ? 500 : 200, i == 20 ? 1000 : i * 10));
        }

        rollup.Add(Attempt("w1", "dom-a", Now.AddHours(-3), 200, 5));
        rollup.Add(Attempt("w2", "dom-b", Now.AddMinutes(-5), 204, 40));

        var stats = rollup.Read(null, Now, pending: 7);

        var w1 = stats.ByWebhook["w1"];
        Assert.Equal((21, 20, 1), (w1.Attempts, w1.Succeeded, w1.Failed));
        Assert.InRange(w1.P95Ms!.Value, 190, 190 * 1.05);
        Assert.Equal(1, stats.ByWebhook["w2"].Attempts);
        Assert.Equal(7, stats.Pending);
        Assert.Equal(60, stats.LastHour.Count);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 11, 31, 0, TimeSpan.Zero), stats.LastHour[0].Minute);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 30, 0, TimeSpan.Zero), stats.LastHour[^1].Minute);
        var busy = stats.LastHour.Single(m => m.Succeeded + m.Failed == 20);
        Assert.Equal((19, 1, new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero)), (busy.Succeeded, busy.Failed, busy.Minute));
        Assert.Equal(21, stats.LastHour.Sum(m => m.Succeeded + m.Failed));
    }

    [Fact]
    public void Read_Domain_SeesOnlyItsWebhooks()
    {
        var rollup = new AttemptRollup();
        rollup.Add(Attempt("w1", "dom-a", Now.AddMinutes(-3), 200, 12));
        rollup.Add(Attempt("w2", "dom-b", Now.AddMinutes(-3), 503, 12));

        var a = rollup.Read("dom-a", Now, 0);
        var b = rollup.Read("dom-b", Now, 0);

        Assert.Equal(["w1"], a.ByWebhook.Keys);
        Assert.Equal(["w2"], b.ByWebhook.Keys);
        Assert.Equal((1, 0), (a.LastHour.Sum(m => m.Succeeded), a.LastHour.Sum(m => m.Failed)));
        Assert.Equal((0, 1), (b.LastHour.Sum(m => m.Succeeded), b.LastHour.Sum(m => m.Failed)));
    }

    [Fact]
    public void Evict_OlderThanTheWindows_Forgotten()
    {
        var rollup = new AttemptRollup();
        rollup.Add(Attempt("w1", null, Now.AddHours(-30), 200, 1));
        rollup.Add(Attempt("w1", null, Now.AddHours(-2), 500, 1));
        rollup.Add(Attempt("w2", null, Now.AddHours(-25), 200, 1));

        rollup.Evict(Now);
        var stats = rollup.Read(null, Now, 0);

        var w1 = Assert.Single(stats.ByWebhook.Values);
        Assert.Equal(("w1", 1, 0), (w1.WebhookId, w1.Attempts, w1.Succeeded));
        Assert.Equal(0, stats.LastHour.Sum(m => m.Succeeded + m.Failed));

        // An hour later the 2-hour-old failure has left the minute chart but not the day.
        var later = rollup.Read(null, Now.AddHours(1), 0);
        Assert.Equal(1, later.ByWebhook["w1"].Attempts);
        Assert.Empty(rollup.Read(null, Now.AddHours(23), 0).ByWebhook);
    }

    private AttemptFact Attempt(string webhookId, string? domainId, DateTimeOffset startedAt, int status, double ms) =>
        new(++_cursor, webhookId, domainId, startedAt, status, ms);
}
