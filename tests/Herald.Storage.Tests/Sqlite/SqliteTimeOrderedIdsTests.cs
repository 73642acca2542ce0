using Herald.Storage.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteTimeOrderedIdsTests
{
    [Fact]
    public void LowerBound_Uuid7MintedThen_SortsBetweenThisAndNextMillisecond()
    {
        var at = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);

        var id = Guid.CreateVersion7(at).ToString();

        Assert.StartsWith(TimeOrderedIds.LowerBound(at), id, StringComparison.Ordinal);
        Assert.True(string.CompareOrdinal(TimeOrderedIds.LowerBound(at), id) < 0);
        Assert.True(string.CompareOrdinal(id, TimeOrderedIds.LowerBound(at.AddMilliseconds(1))) < 0);
        Assert.True(string.CompareOrdinal(Guid.CreateVersion7(at.AddMilliseconds(-1)).ToString(), TimeOrderedIds.LowerBound(at)) < 0);
    }
}
