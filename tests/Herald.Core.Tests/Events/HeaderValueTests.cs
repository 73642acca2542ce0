using Herald.Core.Events;

namespace Herald.Core.Tests.Events;

public sealed class HeaderValueTests
{
    [Theory]
    [InlineData("metadata")]
    [InlineData("a b\tc")]
    [InlineData("!#$%&'*+-.^_`|~ ()<>@,;:\\\"/[]?={}")]
    [InlineData("")]
    public void Problem_PrintableAscii_IsNull(string value)
    {
        Assert.Null(HeaderValue.Problem(value));
    }

    [Theory]
    [InlineData("a\r\nX-Injected: 1", "line break")]
    [InlineData("a\nb", "line break")]
    [InlineData("a\rb", "line break")]
    [InlineData("a\0", "NUL")]
    [InlineData("a\u001b", "U+001B")]
    [InlineData("a\u007f", "U+007F")]
    [InlineData("m\u00e9tadonn\u00e9es", "non-ASCII character U+00E9")]
    [InlineData("a\u0085", "U+0085")]
    [InlineData("a\u2028", "non-ASCII")]
    public void Problem_UnsafeValue_NamesWhatIsWrong(string value, string expected)
    {
        Assert.Contains(expected, HeaderValue.Problem(value), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_NonAsciiAllowed_StillRefusesControlCharacters()
    {
        Assert.Null(HeaderValue.Problem("caf\u00e9", 100, allowNonAscii: true));
        Assert.Contains("line break", HeaderValue.Problem("caf\u00e9\r\n", 100, allowNonAscii: true), StringComparison.Ordinal);
        Assert.Contains("U+0085", HeaderValue.Problem("a\u0085", 100, allowNonAscii: true), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_TooLong_SaysSo()
    {
        Assert.Contains("longer than 8192", HeaderValue.Problem(new string('a', 8193)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-Custom", true)]
    [InlineData("x_custom.1~", true)]
    [InlineData("X Custom", false)]
    [InlineData("X-Custom:", false)]
    [InlineData("X-Caf\u00e9", false)]
    [InlineData("", false)]
    public void IsToken_Name_FollowsRfc9110(string name, bool expected)
    {
        Assert.Equal(expected, HeaderValue.IsToken(name));
    }
}
