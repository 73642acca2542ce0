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
        for (var i = 0; i < 100; i++)
        {
            query.Matches(formats); // warm up: tiering and the regex's lazily built automaton
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            query.Matches(formats);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
