using Herald.Query.Evaluation;

namespace Herald.Query.Tests.Evaluation;

public sealed class RegexShapeTests
{
    [Theory]
    [InlineData("(a+)+")]
    [InlineData("(a*)*b")]
    [InlineData("(a?)*")]
    [InlineData("(.*a){20}")]
    [InlineData("([ab]*a[ab]{5}){5}c")]
    [InlineData("((a)+b)*")]
    [InlineData("(?:\\w+\\s?)+!")]
    [InlineData("(?<word>[a-z]+,)*")]
    [InlineData("(?i:a+){2,}")]
    [InlineData("(a{2}){2}")]
    public void HasNestedQuantifier_RepeatedGroupWithQuantifier_IsTrue(string pattern)
    {
        Assert.True(RegexShape.HasNestedQuantifier(pattern, out _));
    }

    [Theory]
    [InlineData("MPEG-[2,4]", 6)]
    [InlineData("^[0-9a-f]{32}$", 34)]
    [InlineData("(ab|cd)+", 4)]
    [InlineData("(a+)?", 1)]
    [InlineData("(a+){1}", 1)]
    [InlineData("(a+b)", 2)]
    [InlineData("a+b*c?", 3)]
    [InlineData("[(+*]+", 1)]
    [InlineData("\\(a+\\)+", 3)]
    [InlineData("\\p{L}{3}", 3)]
    [InlineData("a{,3}", 5)]
    [InlineData("x{2,}", 3)]
    [InlineData("(?i)abc", 3)]
    [InlineData("(?#comment*)+a", 1)]
    [InlineData("[a-z-[aeiou]]+", 1)]
    [InlineData("(ab){3}", 6)]
    public void HasNestedQuantifier_FlatPattern_IsFalseWithSize(string pattern, long size)
    {
        Assert.False(RegexShape.HasNestedQuantifier(pattern, out var actual));
        Assert.Equal(size, actual);
    }

    [Theory]
    [InlineData("data.body=/(a+)+$/", "nests quantifiers")]
    [InlineData("data.body=/[ab]*a[ab]{200}c/", "too large")]
    [InlineData("data.body=/a{99999999999}/", "too large")]
    public void TryCompile_HostileRegexShape_FailsAtTheRegex(string text, string fragment)
    {
        Assert.False(QueryCompiler.TryCompile(text, out _, out var error));

        Assert.Equal(11, error.Position);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }
}
