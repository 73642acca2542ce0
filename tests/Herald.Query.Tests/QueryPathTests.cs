namespace Herald.Query.Tests;

public sealed class QueryPathTests
{
    [Fact]
    public void TryParse_MixedSegments_ReturnsEachKind()
    {
        Assert.True(QueryPath.TryParse("data.components.0.`frame rate`.and", out var segments, out _));

        Assert.Equal(
            [
                PathSegment.ForName("data"),
                PathSegment.ForName("components"),
                PathSegment.ForIndex(0),
                PathSegment.ForQuoted("frame rate"),
                PathSegment.ForName("and"),
            ],
            segments);
    }

    [Fact]
    public void TryParse_IndexSegment_KeepsDigitsAndValue()
    {
        Assert.True(QueryPath.TryParse("items.007", out var segments, out _));

        Assert.Equal(new PathSegment(PathSegmentKind.Index, "007", 7), segments[1]);
    }

    [Fact]
    public void TryParse_WhiteSpaceAround_IsIgnored()
    {
        Assert.True(QueryPath.TryParse("  data . status ", out var segments, out _));

        Assert.Equal(["data", "status"], segments.Select(s => s.Name));
    }

    [Theory]
    [InlineData("", 1, "expected a field path")]
    [InlineData("data.", 6, "expected a field name after '.'")]
    [InlineData("data..x", 6, "expected a field name after '.'")]
    [InlineData("data=1", 5, "after the path")]
    [InlineData("data x", 6, "after the path")]
    [InlineData("data.`x", 6, "unterminated")]
    [InlineData("-data", 1, "unexpected character '-'")]
    [InlineData("data.1x", 6, "path segment")]
    [InlineData("\"data\"", 1, "expected a field path")]
    public void TryParse_InvalidPath_ReturnsErrorAtColumn(string text, int column, string fragment)
    {
        Assert.False(QueryPath.TryParse(text, out _, out var error));

        Assert.Equal(column, error.Position);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_TooLong_Fails()
    {
        Assert.False(QueryPath.TryParse(new string('a', 4097), out _, out var error));

        Assert.Equal(4097, error.Position);
    }

    [Fact]
    public void ToString_Segments_RoundTrip()
    {
        Assert.True(QueryPath.TryParse("data.`a.b`.3", out var segments, out _));

        Assert.Equal("data.`a.b`.3", string.Join('.', segments));
    }
}
