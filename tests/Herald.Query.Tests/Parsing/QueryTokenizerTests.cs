using Herald.Query.Parsing;

namespace Herald.Query.Tests.Parsing;

public sealed class QueryTokenizerTests
{
    [Fact]
    public void Tokenize_DigitsInPathAndValue_AreIndexThenNumber()
    {
        var tokens = QueryTokenizer.Tokenize("a.0.b=0.5");

        Assert.Equal(
            [TokenKind.Identifier, TokenKind.Dot, TokenKind.Index, TokenKind.Dot, TokenKind.Identifier, TokenKind.Equal, TokenKind.Number, TokenKind.End],
            tokens.Select(t => t.Kind));
        Assert.Equal(0.5, tokens[6].Number);
    }

    [Fact]
    public void Tokenize_StringEscapes_AreDecoded()
    {
        var token = QueryTokenizer.Tokenize("a=\"say \\\"hi\\\" \\\\ ok\"")[2];

        Assert.Equal(TokenKind.String, token.Kind);
        Assert.Equal("say \"hi\" \\ ok", token.Text);
        Assert.Equal(3, token.Column);
    }

    [Fact]
    public void Tokenize_RegexWithEscapedSlashAndFlag_KeepsOtherEscapes()
    {
        var token = QueryTokenizer.Tokenize(@"a=/x\/y\d/i")[2];

        Assert.Equal(TokenKind.Regex, token.Kind);
        Assert.Equal(@"x/y\d", token.Text);
        Assert.True(token.IgnoreCase);
    }

    [Fact]
    public void Tokenize_QuotedKey_KeepsDotsAndSpaces()
    {
        var token = QueryTokenizer.Tokenize("`a.b c`=1")[0];

        Assert.Equal(TokenKind.Quoted, token.Kind);
        Assert.Equal("a.b c", token.Text);
    }

    [Fact]
    public void Tokenize_Operators_AreRecognised()
    {
        var kinds = QueryTokenizer.Tokenize("a<1 a<=1 a>1 a>=1 a=1 a!=1")
            .Where(t => t.IsOperator)
            .Select(t => t.Kind);

        Assert.Equal(
            [TokenKind.Less, TokenKind.LessOrEqual, TokenKind.Greater, TokenKind.GreaterOrEqual, TokenKind.Equal, TokenKind.NotEqual],
            kinds);
    }
}
