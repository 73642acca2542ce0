namespace Herald.Server;

internal static class Clock
{
    /// <summary>Now, to the millisecond: what the store keeps, so a create answers what a later GET shows.</summary>
    public static DateTimeOffset Now(TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
