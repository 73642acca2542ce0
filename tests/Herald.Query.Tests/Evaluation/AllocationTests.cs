namespace Herald.Query.Tests.Evaluation;

public sealed class AllocationTests
{
    [Theory]
    [InlineData("operation=\"update\"")]
    [InlineData("data.status=\"ACTIVE\" AND data.is_online=true")]
    [InlineData("data.status=\"ACTIVE\" AND (data.components.metadata.format=\"AVC\" OR data.components.metadata.format=\"MPEG-4\")")]
    [InlineData("data.deleted_by_user=null")]
    [InlineData("(data.components.metadata.width>=1920 OR data.components.metadata.height>=1920) AND data.components.metadata.duration>60000")]
    [InlineData("data.components.metadata.duration>10000")]
    [InlineData("NOT data.components.1.metadata.channel_s!=2")]
    [InlineData("data.metadata.format=/MPEG-[2,4]/")]
    public void Matches_SeedQueryOnFormats_AllocatesNothing(string text)
    {
        var query = QueryCompiler.Compile(text);
        var formats = TestEvents.Formats;
        for (var i = 0; i < 2_000; i++)
        {
            query.Matches(formats); // warm up: tiering and the regex's lazily built automaton
        }

        // The least of three runs: a match that allocates does so in every run, while a one-off
        // allocation by the runtime on this thread (a method moving to its next tier under a
        // loaded machine: 3,584 bytes once in a CI run) shows up in one run only.
        var least = long.MaxValue;
        for (var run = 0; run < 3 && least > 0; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1_000; i++)
            {
                query.Matches(formats);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }
}
